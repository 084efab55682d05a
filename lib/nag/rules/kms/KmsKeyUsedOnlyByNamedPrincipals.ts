import { judgeDenyToOthers, principalsOf } from '../../private/account-principals';
import { grantsAction, parsePolicy, statementsOf } from '../../private/iam';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { isIntrinsic } from '../../private/values';

/** The calls that use a symmetric key, and the one that hands use on to others. */
const USE_ACTIONS = [
  'kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext', 'kms:GenerateDataKeyPair', 'kms:GenerateDataKeyPairWithoutPlaintext',
];
const GRANT = 'kms:CreateGrant';
const USE_AND_GRANT = [...USE_ACTIONS, GRANT];

/**
 * A key is used, and grants on it are created, only by the principals its policy names.
 *
 * A key policy statement for the account (`arn:...:iam::<account>:root`, the bare account id) or for
 * `*` delegates the key to IAM: every principal of the account whose identity policy holds `kms:*`
 * (PowerUserAccess, for one), or that calls through a service the statement admits, uses the key or
 * grants it to itself, whatever `kms:CallerAccount` / `kms:ViaService` say. So the rule proves two
 * things from the rendered KeyPolicy: no Allow of use or `kms:CreateGrant` to `*` or to the account,
 * and an explicit Deny of both to every principal of the account but the named ones, so that no IAM
 * policy added later opens the key.
 */
export const KmsKeyUsedOnlyByNamedPrincipals: RuleDefinition = {
  name: 'KmsKeyUsedOnlyByNamedPrincipals',
  guarantee: 'G1',
  info: 'The KMS key policy lets principals other than the named ones use the key or create grants on it.',
  explanation: 'Keys of the service protect its data, backups and secrets: only named principals may use them. Allow ' +
    'kms:Encrypt, kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKey* and kms:CreateGrant (also through kms:*, kms:Create*, ' +
    '* or NotAction) only to named roles, services or other accounts, never to Principal "*" or to the key\'s own account ' +
    '(its root ARN or account id), whatever the conditions. Add a Deny of those actions to Principal "*" conditioned on ' +
    'aws:PrincipalAccount (this account) and aws:PrincipalArn with ArnNotEquals/ArnNotLike listing the named principals, ' +
    'so an IAM policy with kms:* opens nothing. Keep a documented break-glass principal among the named ones.',
  resourceTypes: ['AWS::KMS::Key'],
  evaluate(r, { index }) {
    if (r.type !== 'AWS::KMS::Key') {
      return NOT_APPLICABLE;
    }
    const raw = r.properties.KeyPolicy;
    if (raw === undefined) {
      return nonCompliant('KeyPolicy is not set, so the default key policy gives the account kms:*');
    }
    if (isIntrinsic(raw) || isIntrinsic((raw as any)?.Statement)) {
      return unverifiable('KeyPolicy is only known at deploy time');
    }
    const policy = parsePolicy(raw);
    if (policy === undefined) {
      return unverifiable('KeyPolicy is a string that is not JSON');
    }
    const statements = statementsOf(policy);
    const outcomes: Outcome[] = [];
    for (const [i, s] of statements.entries()) {
      if (s.Effect !== 'Allow') {
        continue;
      }
      const name = `statement ${s.Sid ?? i}`;
      if (isIntrinsic(s.Action) || isIntrinsic(s.NotAction)) {
        outcomes.push(unverifiable(`the actions of ${name} are only known at deploy time`));
        continue;
      }
      const granted = USE_AND_GRANT.filter((a) => grantsAction(s, a));
      if (granted.length === 0) {
        continue;
      }
      const what = granted.includes(GRANT) && granted.length === 1 ? 'kms:CreateGrant' : granted.includes(GRANT) ? 'use and kms:CreateGrant' : 'use';
      if (s.NotPrincipal !== undefined) {
        outcomes.push(nonCompliant(`${name} allows ${what} to every principal but those in NotPrincipal`));
        continue;
      }
      for (const p of principalsOf(s, r, index)) {
        if (p.kind === 'everyone') {
          outcomes.push(nonCompliant(`${name} allows ${what} to Principal "*"${s.Condition ? ' (conditions do not name principals)' : ''}`));
        } else if (p.kind === 'account') {
          outcomes.push(nonCompliant(`${name} allows ${what} to the key's own account (${p.text}), so to every principal of the account that IAM allows`));
        } else if (p.kind === 'unknown') {
          outcomes.push(unverifiable(`${name} allows ${what} to ${p.text}, only known at deploy time (it may be this account)`));
        }
      }
    }
    outcomes.push(judgeDenyToOthers(statements, USE_AND_GRANT, 'use and kms:CreateGrant', r, index));
    const judged = worst(outcomes);
    return judged.verdict === COMPLIANT.verdict ? COMPLIANT : judged;
  },
};
