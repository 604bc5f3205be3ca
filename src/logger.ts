import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';

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
  return pino.destination({ dest: 1, sync: false });
}

function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}
