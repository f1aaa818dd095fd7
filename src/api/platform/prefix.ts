/** Where every platform (back-office) route lives: one company's one sales channel. */
export const PLATFORM_PREFIX = '/service/platform/user/v1.0/company/:company_id/application/:application_id';

/** The prefix of a request's own company and sales channel, for links back into the API. */
export function platformPrefixOf(params: { company_id: string; application_id: string }): string {
  return PLATFORM_PREFIX.replace(':company_id', encodeURIComponent(params.company_id)).replace(
    ':application_id',
    encodeURIComponent(params.application_id),
  );
}
