import { Certainty, DatabaseSecretKind, judgeDatabaseSecretReaders } from './DatabaseSuperuserSecretReadOnlyByHost';
import { SECRET_TAG, tagValue } from '../../private/database-hosts';
import { IAM_POLICY_TYPES } from '../../private/policies';
import { RenderedResource, StackIndex } from '../../private/rendered';
import { RuleDefinition } from '../../private/rule';
import { isIntrinsic, knownText, UNRESOLVED } from '../../private/values';

const CREDENTIALS_TAG_VALUE = 'database-credentials';

/**
 * Whether a secret holds a database login other than the superuser's: tagged timescale:secret = database-credentials,
 * or generated from JSON that names a user and a database (`username` with `dbname`, as ServiceCustomer's admin secret).
 */
function credentialsSecret(secret: RenderedResource): Certainty | undefined {
  const tag = tagValue(secret, SECRET_TAG);
  if (tag === CREDENTIALS_TAG_VALUE) {
    return 'yes';
  }
  if (tag === 'database-superuser') {
    return undefined; // DatabaseSuperuserSecretReadOnlyByHost
  }
  const text = knownText(secret.properties.GenerateSecretString?.SecretStringTemplate);
  if (text !== undefined && !text.includes(UNRESOLVED)) {
    try {
      const parsed = JSON.parse(text);
      if (typeof parsed?.username === 'string' && parsed.username !== 'postgres' && parsed.dbname !== undefined) {
        return 'yes';
      }
    } catch {
      // not JSON: not a login
    }
  }
  return typeof tag === 'object' || text?.includes(UNRESOLVED) || isIntrinsic(secret.properties.GenerateSecretString) ? 'maybe' : undefined;
}

const CREDENTIALS: DatabaseSecretKind = {
  label: 'database credentials secret',
  accountsMayRead: true,
  secrets: (index: StackIndex) => index.memo('database-credentials-secrets', () => {
    const out = new Map<RenderedResource, Certainty>();
    for (const secret of index.byType('AWS::SecretsManager::Secret')) {
      const certainty = credentialsSecret(secret);
      if (certainty) {
        out.set(secret, certainty);
      }
    }
    return out;
  }),
};

/** A customer's database credentials are read by the host, and by the customer's own account, never by operators or other roles. */
export const DatabaseCredentialsReadOnlyByHost: RuleDefinition = {
  name: 'DatabaseCredentialsReadOnlyByHost',
  guarantee: 'G8',
  info: 'A principal of the stack other than the database host can read a customer\'s database credentials.',
  explanation: 'Operators never access customer data unless the customer asks: a customer admin\'s password is a way into ' +
    'that data, so in this account only the host that creates the role may read it (a role only ec2.amazonaws.com can ' +
    'assume). The customer\'s own account may read it through the secret\'s resource policy. Remove ' +
    'secretsmanager:GetSecretValue on the secret (also through *, ARN patterns, AdministratorAccess, PowerUserAccess, ' +
    'SecretsManagerReadWrite) from every other role, user, group and permission set. A credentials secret is one tagged ' +
    'timescale:secret = database-credentials, or generated from JSON with "username" and "dbname". An approved ' +
    'operator\'s password is separate and granted per approval.',
  resourceTypes: [...IAM_POLICY_TYPES, 'AWS::SecretsManager::ResourcePolicy'],
  evaluate(r, { index }) {
    return judgeDatabaseSecretReaders(r, index, CREDENTIALS);
  },
};
