/** The local services check no credentials, but the SDK insists on having some. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = process.env.AWS_REGION || 'us-east-1';

/** The account id in the ARNs of local stand-ins for AWS resources. */
export const LOCAL_ACCOUNT_ID = '000000000000';
