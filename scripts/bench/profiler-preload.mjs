// Preloaded (node --import) into the sample app child by `npm run bench -- --profile`.
// Over the IPC channel: {command:'start'} starts the V8 CPU profiler, {command:'stop', file}
// stops it and writes the .cpuprofile to `file`; {command:'memory'} answers process.memoryUsage()
// and the V8 heap spaces (MiB). Profiling only the measured run keeps start-up
// and warm-up out of the profile.
import { Session } from 'node:inspector/promises';
import { writeFile } from 'node:fs/promises';
import { getHeapSpaceStatistics } from 'node:v8';

const SAMPLING_INTERVAL_US = 200;
let session;

process.on('message', async (message) => {
  const reply = message?.command;
  try {
    if (reply === 'start') {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
      await session.post('Profiler.start');
      process.send({ reply });
    } else if (reply === 'memory') {
      const mib = (bytes) => Math.round((bytes / 1048576) * 10) / 10;
      const usage = Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, mib(v)]));
      const spaces = Object.fromEntries(
        getHeapSpaceStatistics().map((s) => [
          s.space_name,
          { sizeMiB: mib(s.space_size), usedMiB: mib(s.space_used_size) },
        ]),
      );
      process.send({ reply, usage, spaces });
    } else if (reply === 'stop') {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(message.file, JSON.stringify(profile));
      session.disconnect();
      process.send({ reply, file: message.file });
    }
  } catch (error) {
    process.send({ reply, error: String(error?.stack ?? error) });
  }
});
// The IPC channel must not keep the app alive once Nest closes on SIGTERM.
process.channel?.unref();
