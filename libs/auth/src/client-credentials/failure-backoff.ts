import { describeNetworkError, OAuthClientError, TokenEndpointError, TokenEndpointUnavailable } from './errors';

/** Full jitter back-off after failures (AWS architecture blog "Exponential Backoff And Jitter"). */
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 30_000;

/**
 * The back-off after failed token requests: full jitter, 250 ms doubling to 30 s, at least the
 * server's Retry-After (bounded by the cap). During the window, callers get the last error at once.
 */
export class FailureBackoff {
  /** Failures since the last success. */
  consecutiveFailures = 0;
  private window?: { until: number; error: OAuthClientError };

  constructor(
    private readonly now: () => number,
    private readonly random: () => number,
  ) {}

  /** The last failure while its back-off window lasts. */
  refusal(now: number): OAuthClientError | undefined {
    return this.window && now < this.window.until ? this.window.error : undefined;
  }

  /** Records a failure (anything not already an OAuthClientError becomes TokenEndpointUnavailable) and opens the window. */
  record(error: unknown): { failure: OAuthClientError; delayMs: number } {
    const failure =
      error instanceof OAuthClientError
        ? error
        : new TokenEndpointUnavailable('connection', `token request failed: ${describeNetworkError(error)}`, { cause: error });
    this.consecutiveFailures++;
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (this.consecutiveFailures - 1));
    let delayMs = this.random() * ceiling;
    const retryAfter = failure instanceof TokenEndpointError ? failure.retryAfterMs : undefined;
    if (retryAfter !== undefined) delayMs = Math.max(delayMs, Math.min(retryAfter, BACKOFF_CAP_MS));
    this.window = { until: this.now() + delayMs, error: failure };
    return { failure, delayMs };
  }

  /** A success: the next failure starts again from the first window. */
  reset(): void {
    this.consecutiveFailures = 0;
    this.window = undefined;
  }
}
