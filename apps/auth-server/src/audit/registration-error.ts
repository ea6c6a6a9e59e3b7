/**
 * A registry change the operator can fix (bad input, unknown id, duplicate id). The CLI prints it
 * with exit code 1; the admin API answers 400, 404 or 409 from `reason`.
 */
export class RegistrationError extends Error {
  constructor(
    message: string,
    readonly reason: 'invalid' | 'not_found' | 'conflict' = 'invalid',
  ) {
    super(message);
    this.name = new.target.name;
  }
}
