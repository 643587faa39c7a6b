// The domain's failure kinds. Core throws the DomainErrors; the API maps each to a status and {"detail"}.
// The errors after them come from the ports' adapters (a channel, a model) and are never shown as they
// are: the core decides what each means for the owner or the customer.

export interface FieldIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export abstract class DomainError extends Error {
  abstract readonly status: number;
  /** Fields the response carries beside `detail` (what the client can do instead). */
  get extra(): Record<string, unknown> | undefined {
    return undefined;
  }
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The thing does not exist, or belongs to another owner (the two are never told apart). */
export class NotFoundError extends DomainError {
  readonly status = 404;
}

/** The request collides with what is stored (an email already registered, a bot another owner connected). */
export class ConflictError extends DomainError {
  readonly status = 409;
}

/** The time asked for is taken (or no longer offered); `alternatives` are the nearest free slots. */
export class SlotTakenError extends ConflictError {
  constructor(
    message: string,
    readonly alternatives: { start: string; end: string; staff_id?: string }[],
  ) {
    super(message);
  }

  override get extra(): Record<string, unknown> {
    return { alternatives: this.alternatives };
  }
}

/** The request is well-formed but not acceptable; `issues` gives field-level detail when there is some. */
export class InvalidError extends DomainError {
  readonly status = 422;
  constructor(
    message: string,
    readonly issues?: FieldIssue[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Missing, expired, revoked or wrong credentials. */
export class UnauthorizedError extends DomainError {
  readonly status = 401;
}

/** Authenticated, but this role may not do this. */
export class ForbiddenError extends DomainError {
  readonly status = 403;
}

/** Too many attempts; `retryAfterSeconds` tells the client when to try again. */
export class RateLimitedError extends DomainError {
  readonly status = 429;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The body or file is over the configured size limit. */
export class TooLargeError extends DomainError {
  readonly status = 413;
}

/** A file or media type the product cannot read. */
export class UnsupportedError extends DomainError {
  readonly status = 415;
}

/** A dependency (database, Redis, model, channel) cannot be reached right now; retrying may help. */
export class UnavailableError extends DomainError {
  readonly status = 503;
}

/**
 * A channel refused a request (Telegram or WhatsApp answered 4xx): a bad or revoked token, a customer
 * who blocked the bot, a chat outside WhatsApp's 24-hour window. Thrown by the channel adapters in
 * bots/; `status` is the channel's own status code, not ours: the core turns the refusal into an
 * InvalidError, an integration marked `error`, or a flagged chat. A network failure or a 5xx is not
 * a refusal and is thrown as it is (retrying may help).
 */
export class ChannelRejectedError extends Error {
  override name = 'ChannelRejectedError';
  constructor(
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A call to the chat or embedding model failed (timeout, refused key, rate limit, a server error, an
 * answer that could not be read). Thrown by the model adapters in infra/; `retryable` says whether
 * trying again later may help (timeouts, 429, 5xx). The assistant answers with an apology and flags
 * the chat; the retriever falls back to full-text search.
 */
export class ModelError extends Error {
  override name = 'ModelError';
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
