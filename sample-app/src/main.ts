import { Logger } from '@nestjs/common';
import { createSampleApp } from './create-sample-app.js';
import { readSampleConfig } from './sample-config.js';

async function bootstrap(): Promise<void> {
  const config = readSampleConfig(process.env);
  const app = await createSampleApp(config);
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  new Logger('SampleApp').log(`Listening on http://${config.host}:${config.port} (${config.adapter})`);
}

void bootstrap();
