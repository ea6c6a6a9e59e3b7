/**
 * The placeholders of the service templates in ./__name__ (rendered by ../templates.ts), declared so
 * the templates type-check as they are. In identifiers, strings and paths:
 *   __name__      billing-service   folder, client id, realm (in strings and file names)
 *   __Name__      BillingService    class and factory names
 *   __nameCamel__ billingService    config namespace
 *   __NAME__      BILLING_SERVICE   constants (its variables are BILLING_SERVICE_…)
 *   __base__      billing           route and scope prefix
 *   __schema__    billing_service   its PostgreSQL schema
 * and, as a number, __port__: its default port.
 */
declare const __port__: number;
