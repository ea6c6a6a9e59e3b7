/**
 * The variables a service that calls user-service reads under its own prefix (`billing-service` →
 * `BILLING_SERVICE_…`). No imports: scripts/new-service uses it to document them in .env.example and to
 * refuse a name whose variables the platform already uses.
 */
export function serviceVariables(name: string): { port: string; audience: string; clientId: string; clientSecret: string; clientAssertionFile: string } {
  const prefix = name.toUpperCase().replace(/-/g, '_');
  return {
    port: `${prefix}_PORT`,
    audience: `${prefix}_AUDIENCE`,
    clientId: `${prefix}_CLIENT_ID`,
    clientSecret: `${prefix}_CLIENT_SECRET`,
    // Secretless: the workload identity token file (federated_jwt), instead of the secret.
    clientAssertionFile: `${prefix}_CLIENT_ASSERTION_FILE`,
  };
}
