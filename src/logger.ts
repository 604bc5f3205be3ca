import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * The one logger: JSON lines on stdout. Redaction is structural: request and response
 * serializers never include headers, bodies or cookies, so tokens and passwords have no
 * way in. `paths` below is a second belt for anything logged by hand.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'latchkey' },
      timestamp: pino.stdTimeFunctions.isoTime,
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
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
