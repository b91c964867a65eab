/**
 * The API's numeric limits, and how text is measured against them (docs/api.md#input-rules-and-order-of-checks).
 * No imports, so the web console takes them from here too, and never holds a copy that could drift.
 */

/** Items in a list page when the client asks for no `limit`. */
export const DEFAULT_PAGE_SIZE = 20;
/** The largest `limit` of a token list. */
export const MAX_PAGE_SIZE = 100;
/** The longest id of another system (a client's `clientId`, a user's `sub`), in Unicode characters. */
export const MAX_EXTERNAL_ID_LENGTH = 256;
/** The longest `clientName`, in Unicode characters. */
export const MAX_CLIENT_NAME_LENGTH = 200;
/** The longest `scope` string, in characters (printable ASCII). */
export const MAX_SCOPE_LENGTH = 1000;
/** The longest token value a client may present; longer ones are refused before any lookup. */
export const MAX_TOKEN_VALUE_LENGTH = 1024;
/** The longest revocation reason, in Unicode characters. */
export const MAX_REASON_LENGTH = 500;
/** At most this many people per `GET admin/users` answer, and by default. */
export const MAX_PEOPLE_FOUND = 20;
/** The shortest and longest lifetime of a minted token, in seconds (a year at most). */
export const MIN_EXPIRES_IN = 60;
export const MAX_EXPIRES_IN = 31_536_000;
/** The longest email address (RFC 5321's path limit), and so the longest prefix of one. */
export const MAX_EMAIL_LENGTH = 254;

/** Text limits count Unicode code points, not UTF-16 units (docs/api.md#input-rules-and-order-of-checks). */
export const codePoints = (s: string): number => [...s].length;
