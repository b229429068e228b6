/**
 * Every TypeScript snippet of the README and docs/*.md compiles, as a user pastes it into an
 * app made by `nest new`: strict, `isolatedModules`, decorators with metadata, CommonJS under
 * `module: nodenext`. `nestjs-cognito-auth` (and its entries) resolve to lib/; any other package
 * resolves from node_modules; the app's own files a snippet imports (`./users.service`) are
 * stubbed, as classes whose members are all `any`; a test runner's globals (jest's or vitest's
 * `describe`, `it`, `expect`…) and `supertest` are declared loosely. A snippet after the line
 * `<!-- snippet: not compiled -->` is skipped (see docs/development.md).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { CACHE_DIR, root } from './support/consumer-apps.js';

const SNIPPETS_DIR = join(CACHE_DIR, 'doc-snippets');
const SKIP_MARKER = '<!-- snippet: not compiled -->';
const FENCE = /^```(ts|typescript)\s*$/;

interface Snippet {
  /** `README.md` or `docs/….md`. */
  readonly doc: string;
  /** Line of the first code line in the document (1-based). */
  readonly line: number;
  readonly code: string;
  readonly file: string;
}

function documents(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs.sort()];
}

function extractSnippets(doc: string): Array<Omit<Snippet, 'file'>> {
  const lines = readFileSync(join(root, doc), 'utf8').split('\n');
  const snippets: Array<Omit<Snippet, 'file'>> = [];
  for (let index = 0; index < lines.length; index++) {
    if (!FENCE.test(lines[index]!)) continue;
    const start = index + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    const skipped = lines[index - 1]?.trim() === SKIP_MARKER;
    if (!skipped) snippets.push({ doc, line: start + 1, code: lines.slice(start, end).join('\n') });
    index = end;
  }
  return snippets;
}

/** A stub for each name a snippet imports from a relative path: the app's own code. */
function writeLocalStubs(snippetFile: string, code: string): void {
  const imports = /import\s+(type\s+)?\{([^}]*)\}\s+from\s+'(\.{1,2}\/[^']+)'/g;
  for (const [, , names, specifier] of code.matchAll(imports)) {
    const stub = join(dirname(snippetFile), `${specifier!.replace(/\.js$/, '')}.ts`);
    const classes = names!
      .split(',')
      .map((name) => name.replace(/^\s*type\s+/, '').trim())
      .filter(Boolean)
      .map((name) => `export class ${name} {\n  [member: string]: any;\n  static [member: string]: any;\n}\n`);
    mkdirSync(dirname(stub), { recursive: true });
    writeFileSync(stub, classes.join(''), { flag: 'a' });
  }
}

/** What a test file of the app can use without importing it: the runner's globals, and supertest. */
const TEST_GLOBALS = `declare module 'supertest';
declare const describe: (name: string, body: () => void) => void;
declare const it: (name: string, body: () => unknown) => void;
declare const expect: any;
declare const beforeAll: (body: () => unknown) => void;
declare const beforeEach: (body: () => unknown) => void;
declare const afterAll: (body: () => unknown) => void;
declare const afterEach: (body: () => unknown) => void;
`;

function writeSnippets(): Snippet[] {
  rmSync(SNIPPETS_DIR, { recursive: true, force: true });
  mkdirSync(SNIPPETS_DIR, { recursive: true });
  // A Nest starter app is CommonJS.
  writeFileSync(join(SNIPPETS_DIR, 'package.json'), '{ "type": "commonjs" }\n');
  writeFileSync(join(SNIPPETS_DIR, 'test-globals.d.ts'), TEST_GLOBALS);
  return documents().flatMap((doc) =>
    extractSnippets(doc).map((snippet) => {
      const dir = join(SNIPPETS_DIR, `${doc.replace(/[/.]/g, '_')}_L${snippet.line}`);
      const file = join(dir, 'snippet.ts');
      mkdirSync(dir, { recursive: true });
      // `export {}`: every snippet is a module of its own, whatever it imports.
      writeFileSync(file, `${snippet.code}\nexport {};\n`);
      writeLocalStubs(file, snippet.code);
      return { ...snippet, file };
    }),
  );
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2023,
  strict: true,
  isolatedModules: true,
  emitDecoratorMetadata: true,
  experimentalDecorators: true,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
  paths: {
    'nestjs-cognito-auth': [join(root, 'lib/index.ts')],
    'nestjs-cognito-auth/testing': [join(root, 'lib/testing/index.ts')],
    'nestjs-cognito-auth/swagger': [join(root, 'lib/swagger/index.ts')],
    'nestjs-cognito-auth/lambda': [join(root, 'lib/lambda/index.ts')],
  },
};

/** `docs/x.md:41: TS2304 Cannot find name 'X'.` for each problem of a snippet, with the document's line. */
function problemsOf(snippets: Snippet[]): string[] {
  const program = ts.createProgram(
    [join(SNIPPETS_DIR, 'test-globals.d.ts'), ...snippets.map((snippet) => snippet.file)],
    COMPILER_OPTIONS,
  );
  const byFile = new Map(snippets.map((snippet) => [snippet.file, snippet]));
  const problems: string[] = [];
  for (const snippet of snippets) {
    const source = program.getSourceFile(snippet.file)!;
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    for (const diagnostic of diagnostics) {
      const { line } = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ');
      problems.push(`${byFile.get(snippet.file)!.doc}:${snippet.line + line}: TS${diagnostic.code} ${text}`);
    }
  }
  return problems;
}

describe('the TypeScript snippets of the README and docs/', () => {
  it('compile, imports included, under a Nest starter configuration', () => {
    const snippets = writeSnippets();
    expect(snippets.length).toBeGreaterThan(20);
    const problems = problemsOf(snippets);
    expect(problems, `\n${problems.join('\n')}\n(snippets written to ${relative(root, SNIPPETS_DIR)})`).toEqual([]);
  }, 180_000);

  it('are found with the line they start on', () => {
    const readme = extractSnippets('README.md');
    const lines = readFileSync(join(root, 'README.md'), 'utf8').split('\n');
    for (const snippet of readme) expect(lines[snippet.line - 2]).toMatch(FENCE);
  });
});
