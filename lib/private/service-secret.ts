import { Aws, Lazy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { deployersOf, principalArns } from './deployers';

/** What only the secret's readers (and writers) may do. */
export const READ_ACTIONS = ['secretsmanager:GetSecretValue'];

/** What only the deployers and the secret's writers may do: change its value, policy, rotation or existence. */
export const CHANGE_ACTIONS = [
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecret',
  'secretsmanager:UpdateSecretVersionStage',
  'secretsmanager:RotateSecret',
  'secretsmanager:CancelRotateSecret',
  'secretsmanager:PutResourcePolicy',
  'secretsmanager:DeleteResourcePolicy',
  'secretsmanager:DeleteSecret',
  'secretsmanager:ReplicateSecretToRegions',
];

/**
 * A secret whose resource policy denies reading it to every principal of the account but those
 * granted read, and changing it to every principal but the deployers and those granted write.
 *
 * Secrets Manager lets any principal of the account whose IAM policy allows
 * `secretsmanager:GetSecretValue` on `*` read any secret; the secrets key's Deny is one wall, this is
 * the second. Readers are collected at synthesis from `grantRead`, `grantWrite` and the Allow
 * statements of the resource policy (a cross-account reader or a reader limited by a condition), so
 * the grants the constructs already make are the whole list: nothing to keep in step by hand.
 *
 * Under a key, it names only its readers and writers in the key policy (through Secrets Manager),
 * never the whole account as `Secret` does.
 */
export class ServiceSecret extends secretsmanager.Secret {
  private readers?: iam.IPrincipal[];
  private writers?: iam.IPrincipal[];
  private denying = false;

  constructor(scope: Construct, id: string, props: secretsmanager.SecretProps) {
    // Given the key, Secret would add key policy statements for every principal of the account
    // through Secrets Manager; the key's users are named instead (the deployers by ServiceKeys, the
    // readers and writers by their grants), so the key reaches Secret only after construction.
    super(scope, id, { ...props, encryptionKey: undefined });
    if (props.encryptionKey) {
      (this.node.defaultChild as secretsmanager.CfnSecret).kmsKeyId = props.encryptionKey.keyArn;
      (this as { encryptionKey?: kms.IKey }).encryptionKey = props.encryptionKey;
    }
    const stack = Stack.of(this);
    this.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyReadToUnnamedPrincipalsOfThisAccount',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: READ_ACTIONS,
      resources: ['*'],
      conditions: exceptFor(() => principalArns(stack, [...this.readers ?? [], ...this.writers ?? []])),
    }));
    this.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyChangesToUnnamedPrincipalsOfThisAccount',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: CHANGE_ACTIONS,
      resources: ['*'],
      conditions: exceptFor(() => principalArns(stack, [...deployersOf(stack), ...this.writers ?? []])),
    }));
    this.denying = true;
    // Secrets Manager then refuses any later policy that would open the secret to the world.
    const policy = this.node.findChild('Policy').node.defaultChild as secretsmanager.CfnResourcePolicy;
    policy.blockPublicPolicy = true;
  }

  public grantRead(grantee: iam.IGrantable, versionStages?: string[]): iam.Grant {
    (this.readers ??= []).push(grantee.grantPrincipal);
    return super.grantRead(grantee, versionStages);
  }

  public grantWrite(grantee: iam.IGrantable): iam.Grant {
    (this.writers ??= []).push(grantee.grantPrincipal);
    return super.grantWrite(grantee);
  }

  /** Lets `principal` change the secret (it also reads it), for a writer whose IAM statements are written by hand. */
  public permitWriter(principal: iam.IPrincipal): void {
    (this.writers ??= []).push(principal);
  }

  public addToResourcePolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult {
    if (this.denying && statement.effect === iam.Effect.ALLOW) {
      (this.readers ??= []).push(...statement.principals);
    }
    return super.addToResourcePolicy(statement);
  }
}

/**
 * Conditions that hold for every principal of this account except those `arns` lists at synthesis
 * (every principal of the account when it lists none).
 */
function exceptFor(arns: () => unknown[]): { [operator: string]: unknown } {
  return {
    StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID },
    ArnNotLike: Lazy.any({
      produce: () => {
        const named = arns();
        return named.length > 0 ? { 'aws:PrincipalArn': named } : undefined;
      },
    }),
  };
}
