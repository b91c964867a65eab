/**
 * What API Gateway itself answers, before any function runs, and what a function answers to the
 * same failure. The CDK gateway responses and the functions both use these, so a client sees one
 * sentence per failure wherever it was refused.
 */
export const GATEWAY_MESSAGES = {
  unauthorized: 'Sign in and send a valid ID token in the Authorization header.',
  noSuchRoute: 'No such route.',
  /** IAM-authorized (service) routes, unsigned or badly signed. */
  signatureRequired: 'Sign this request with AWS Signature Version 4, using credentials allowed to call it.',
  tooLarge: 'The request is too large.',
  tooManyRequests: 'Too many requests; try again shortly.',
  internalError: 'Something went wrong on our side.',
} as const;
