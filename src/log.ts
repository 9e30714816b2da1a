// Structured log lines on stderr, one JSON object each, so they can be shipped as they are.

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

function writer(level: string, out: (line: string) => void) {
  return (message: string, fields?: Record<string, unknown>) =>
    out(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }));
}

export function jsonLogger(out: (line: string) => void = (line) => process.stderr.write(line + '\n')): Logger {
  return { info: writer('info', out), warn: writer('warn', out), error: writer('error', out) };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
