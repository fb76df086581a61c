import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs. Every path that could carry a secret is redacted, so a careless
 * `logger.info({ headers })` cannot leak one.
 */
export const REDACT_PATHS = [
  'access_token', '*.access_token', 'accessToken', '*.accessToken',
  'secret', '*.secret', 'client_secret', '*.client_secret', 'clientSecret', '*.clientSecret',
  'credential', '*.credential', 'authorization', '*.authorization', 'headers.authorization',
  'headers["plaid-secret"]', 'headers["plaid-verification"]', 'headers["moneykit-signature"]',
  'password', '*.password', 'token', '*.token', 'public_token', '*.public_token', 'publicToken', '*.publicToken',
  // One level deeper (a whole config or request object logged by mistake).
  '*.*.secret', '*.*.clientSecret', '*.*.client_secret', '*.*.access_token', '*.*.accessToken', '*.*.jwtSecret',
  '*.headers.authorization', '*.headers["plaid-secret"]', '*.headers.cookie', 'headers.cookie',
  'jwtSecret', '*.jwtSecret', 'encryptionKey', '*.encryptionKey', 'metricsToken', '*.metricsToken',
  'bearer', '*.bearer', 'refresh_token', '*.refresh_token', 'exchangeable_token', '*.exchangeable_token',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'aggregator-gateway' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
