import { COMPLIANT, nonCompliant, RuleDefinition } from '../../private/rule';
import { visitResourceText } from '../../private/template-text';

const PRIVATE_KEY = /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----/;

/** No private key material anywhere in the template. */
export const NoPrivateKeyMaterial: RuleDefinition = {
  name: 'NoPrivateKeyMaterial',
  guarantee: 'G2',
  info: 'A private key (-----BEGIN ... PRIVATE KEY-----) is written into the template.',
  explanation: 'Keys are never stored in plaintext. Keep TLS private keys in Secrets Manager under a customer-managed ' +
    'key and fetch them at boot (DatabaseHost.addSecretFile), never in properties, metadata or user data.',
  resourceTypes: ['*'],
  evaluate(r) {
    let where: string | undefined;
    visitResourceText(r, (text, path) => {
      if (where === undefined && text.includes('PRIVATE KEY') && PRIVATE_KEY.test(text)) {
        where = path;
      }
    });
    return where === undefined ? COMPLIANT : nonCompliant(`private key material in ${where}`);
  },
};
