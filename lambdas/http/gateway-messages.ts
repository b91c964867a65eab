/**
 * What API Gateway itself answers, before any function runs. The CDK gateway responses and the
 * local gateway both use these, so a client sees the same sentences in either stack.
 */
export const GATEWAY_MESSAGES = {
  unauthorized: 'Sign in and send a valid ID token in the Authorization header.',
  noSuchRoute: 'No such route.',
  /** IAM-authorized (service) routes, unsigned or badly signed. */
  signatureRequired: 'Sign this request with AWS Signature Version 4, using credentials allowed to call it.',
  tooLarge: 'The request is too large.',
  internalError: 'Something went wrong on our side.',
} as const;
