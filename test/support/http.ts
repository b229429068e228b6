import { request as httpRequest } from 'node:http';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = any>(): T;
}

/**
 * One GET over a fresh connection, with headers sent exactly as given: an array value sends
 * the header once per item (fetch would fold them), which the duplicate-header tests need.
 */
export function get(url: string, headers: Record<string, string | string[]> = {}): Promise<HttpResult> {
  return send('GET', url, headers);
}

export function send(
  method: string,
  url: string,
  headers: Record<string, string | string[]> = {},
  body?: string,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
