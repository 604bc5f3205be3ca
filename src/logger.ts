import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';
import sonicBoom, { type SonicBoomOpts, type SonicBoom as SonicBoomStream } from 'sonic-boom';

// sonic-boom is CommonJS (`module.exports = SonicBoom`); its types also name the class.
const SonicBoom = sonicBoom as unknown as typeof SonicBoomStream;

/**
 * The one logger: JSON lines on stdout. Redaction is structural: request and response
 * serializers never include headers, bodies or cookies, so tokens and passwords have no
 * way in. `paths` below is a second belt for anything logged by hand.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const stream = destination ?? stdout();
  const options = { level, base: { service: 'latchkey' }, timestamp: pino.stdTimeFunctions.isoTime };
  const logger = pino(
    {
      ...options,
      redact: {
        paths: [
          'password',
          '*.password',
          'refreshToken',
          '*.refreshToken',
          'accessToken',
          '*.accessToken',
          'authorization',
          '*.authorization',
          'cookie',
          '*.cookie',
        ],
        censor: '[redacted]',
      },
    },
    stream,
  );
  // The request lines' sibling, on the same stream: their fields are fixed (id, method, path
  // without query, peer, status, time; src/http/middleware/request-log.ts) and hold nothing to
  // redact, and the redaction pass is the largest part of a line's cost (~16 µs here).
  requestLoggers.set(logger, pino(options, stream));
  return logger;
}

const requestLoggers = new WeakMap<Logger, Logger>();

/** The logger for one-line-per-request lines: createLogger's unredacted sibling (or `logger` itself). */
export function requestLineLogger(logger: Logger): Logger {
  return requestLoggers.get(logger) ?? logger;
}

/**
 * stdout as pino's asynchronous destination. This is pino's own writer (sonic-boom), created
 * here only because the version pino 10 bundles (sonic-boom 4) retries a broken pipe for ever
 * in its exit-time flush, so that SIGTERM never ended the process once nothing read stdout.
 * Here:
 * - a broken pipe (EPIPE: the reader is gone) stops logging, as pino.destination does;
 * - a write that keeps failing with EAGAIN (a reader that stopped reading) is retried at most
 *   20 times (2 s) per attempt; the lines stay buffered and the next line tries again;
 * - what is buffered is written synchronously when the process exits, within that bound.
 */
function stdoutStream(): SonicBoomStream {
  // maxWriteRetries is in sonic-boom 5's README but not yet in its types.
  const stream = new SonicBoom({ fd: 1, sync: false, maxWriteRetries: 20 } as SonicBoomOpts);
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') return; // transient: the buffered lines go with the next write
    stream.write = () => true;
    stream.flushSync = () => {};
  });
  process.once('exit', () => {
    try {
      stream.flushSync();
    } catch {
      // stdout is gone or stuck: the remaining lines have nowhere to go
    }
  });
  return stream;
}

/**
 * JSON lines, unless a person is watching: when stdout is a terminal and pino-pretty is
 * installed (`npm i -D pino-pretty`; never in production images), lines are pretty-printed.
 * Pipes, files and containers without a TTY always get JSON.
 */
function stdout(): DestinationStream {
  if (process.stdout.isTTY && installed('pino-pretty')) {
    return pino.transport({
      target: 'pino-pretty',
      options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' },
    });
  }
  return stdoutStream();
}

function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}
