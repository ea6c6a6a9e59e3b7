import { ClientAssertionSigner } from './client-assertion';
import type { ClientAuthMethod, TokenEndpointClientOptions } from './client-credentials.options';
import { WorkloadAssertionFile } from './workload-assertion-file';

/** application/x-www-form-urlencoded encoding of one value (RFC 6749 Appendix B). */
export function formUrlEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** `Basic` credentials of RFC 6749 §2.3.1: id and secret form-urlencoded before base64. */
export function clientSecretBasic(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`).toString('base64')}`;
}

const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * The client's credentials on a request to the authorization server, by one of the four methods:
 * an Authorization header (`client_secret_basic`), or form fields (`client_secret_post`,
 * `private_key_jwt` with a new RFC 7523 assertion per request, and `federated_jwt` with the
 * workload identity token the platform currently keeps in a file).
 */
export class ClientAuthentication {
  readonly method: ClientAuthMethod;
  private readonly basic?: string;
  private readonly assertions?: ClientAssertionSigner;
  private readonly workloadToken?: WorkloadAssertionFile;

  constructor(private readonly options: TokenEndpointClientOptions) {
    this.method = options.authMethod ?? 'client_secret_basic';
    if (this.method === 'client_secret_basic') this.basic = clientSecretBasic(options.clientId, options.clientSecret!);
    if (this.method === 'private_key_jwt') {
      // The key is parsed here: a wrong key fails at start, not at the first call.
      this.assertions = new ClientAssertionSigner({
        clientId: options.clientId,
        audience: options.issuer!,
        privateKey: options.privateKey!,
        keyId: options.privateKeyId,
        algorithm: options.privateKeyAlgorithm,
        now: options.now,
      });
    }
    if (this.method === 'federated_jwt') {
      // Checked here too: an unmounted volume or a stale token stops the service at start, with the path.
      this.workloadToken = new WorkloadAssertionFile(options.assertionFile!, options.now);
      this.workloadToken.checkNow();
    }
  }

  /** Adds the credentials to a form POST (async: a federated assertion is read from its file each time). */
  async applyTo(form: URLSearchParams, headers: Record<string, string>): Promise<void> {
    if (this.basic) {
      headers.authorization = this.basic;
      return;
    }
    form.set('client_id', this.options.clientId);
    if (this.workloadToken) {
      form.set('client_assertion_type', JWT_BEARER_ASSERTION);
      form.set('client_assertion', await this.workloadToken.read());
    } else if (this.assertions) {
      form.set('client_assertion_type', JWT_BEARER_ASSERTION);
      form.set('client_assertion', this.assertions.sign());
    } else {
      form.set('client_secret', this.options.clientSecret!);
    }
  }

  /** The Authorization header of a request without a body (a GET): only `client_secret_basic` has one. */
  authorizationHeader(): string {
    if (!this.basic) throw new TypeError(`${this.method} cannot authenticate a request without a body; use client_secret_basic`);
    return this.basic;
  }
}
