import { AwsClients, createClients } from '../../../lib/verify/context';

export const CMK_ARN = 'arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555';
export const AWS_MANAGED_ARN = 'arn:aws:kms:us-east-1:111122223333:key/99999999-aaaa-bbbb-cccc-dddddddddddd';

/** Real clients with fake credentials: aws-sdk-client-mock stubs their `send`, nothing reaches AWS. */
export function mockedClients(): AwsClients {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const clients = createClients('us-east-1');
  return clients;
}

/** An error as the SDK throws it for a service's error code. */
export function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 }, $fault: 'client' });
}
