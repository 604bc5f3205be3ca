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
  streams.set(logger, stream);
  return logger;
}

const requestLoggers = new WeakMap<Logger, Logger>();
const streams = new WeakMap<Logger, DestinationStream>();

/** The logger for one-line-per-request lines: createLogger's unredacted sibling (or `logger` itself). */
export function requestLineLogger(logger: Logger): Logger {
  return requestLoggers.get(logger) ?? logger;
}

/**
 * Before the process exits: writes what is still buffered, synchronously, and gives up on lines
 * stdout cannot take (see stdoutStream), so that a stuck or closed log pipe never keeps the
 * process from exiting.
 */
export function flushLogs(logger: Logger): void {
  const stream = streams.get(logger);
  if (stream instanceof SonicBoom) {
    try {
      stream.flushSync();
    } catch {
      // stdout is gone or stuck: the remaining lines have nowhere to go
    }
  }
}

/**
 * stdout as pino's asynchronous destination, with two differences from `pino.destination`: a
 * write that keeps failing with EAGAIN (a reader that stopped reading) is retried a bounded
 * number of times, and a broken pipe (EPIPE: the reader is gone) stops logging instead of
 * buffering or crashing. pino's own destination flushes on exit and, with sonic-boom 4,
 * retries EPIPE there for ever: SIGTERM then never ends the process.
 */
function stdoutStream(): SonicBoomStream {
  // maxWriteRetries is in sonic-boom 5's README but not yet in its types.
  const stream = new SonicBoom({ fd: 1, sync: false, maxWriteRetries: 20 } as SonicBoomOpts);
  stream.on('error', () => {
    stream.write = () => true;
    stream.flushSync = () => {};
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
