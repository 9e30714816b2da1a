// Every failure the service reports, declared once with its HTTP status and CC-CMS resultCode
// (SPEC section 2). Handlers throw ApiError; the app turns it into the wire format.

export const FAILURES = {
  invalidParameter: { status: 200, code: '0100002' },
  badRequest: { status: 400, code: '0100002' },
  unauthorized: { status: 401, code: '0101003' },
  forbidden: { status: 403, code: '0101003' },
  notFound: { status: 404, code: '0100001' },
  methodNotAllowed: { status: 405, code: '0100001' },
  conflict: { status: 409, code: '0100002' },
  tooLarge: { status: 413, code: '0100002' },
  flowControl: { status: 429, code: '0100001' },
  internal: { status: 500, code: '0100999' },
  unavailable: { status: 503, code: '0100999' },
} as const;

export type FailureKind = keyof typeof FAILURES;

export class ApiError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get status(): number {
    return FAILURES[this.kind].status;
  }

  get code(): string {
    return FAILURES[this.kind].code;
  }
}

export function failureBody(code: string, description: string): string {
  return JSON.stringify({ result: '1', resultCode: code, resultDesc: description });
}
