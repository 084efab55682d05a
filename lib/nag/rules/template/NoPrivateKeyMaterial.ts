import { COMPLIANT, nonCompliant, RuleDefinition } from '../../private/rule';
import { mappedValues } from '../../private/template-sections';
import { visitResourceText } from '../../private/template-text';

const PRIVATE_KEY = /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----/;

/** No private key material anywhere in the template. */
export const NoPrivateKeyMaterial: RuleDefinition = {
  name: 'NoPrivateKeyMaterial',
  guarantee: 'G2',
  info: 'A private key (-----BEGIN ... PRIVATE KEY-----) is written into the template.',
  explanation: 'Keys are never stored in plaintext. Keep TLS private keys in Secrets Manager under a customer-managed ' +
    'key and fetch them at boot (DatabaseHost.addSecretFile), never in properties, metadata, user data or the Mappings a ' +
    'resource reads with Fn::FindInMap.',
  resourceTypes: ['*'],
  evaluate(r, { index }) {
    let where: string | undefined;
    const look = (text: string, path: string) => {
      if (where === undefined && text.includes('PRIVATE KEY') && PRIVATE_KEY.test(text)) {
        where = path;
      }
    };
    visitResourceText(r, look);
    // The template's Mappings hold text too: a key reached through Fn::FindInMap is in the template all the same.
    mappedValues([r.properties, r.metadata], index, look);
    return where === undefined ? COMPLIANT : nonCompliant(`private key material in ${where}`);
  },
};
