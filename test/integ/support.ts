import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { Aspects, IAspect } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

interface PolicyStatementJson { readonly Action: string[] }

/**
 * integ-tests-alpha derives an IAM action from each SDK call's name, so `invokeFunction` grants the
 * assertion provider `lambda:Invoke`, which is no IAM action (cfn-lint W3037), beside the
 * `lambda:InvokeFunction` it really needs. Drop that statement rather than let cfn-lint ignore unknown
 * actions, which would hide a misspelt action in the library's own policies. The provider renders its
 * `policies` lazily, so filtering them before synthesis changes the template.
 */
class DropNonexistentInvokeAction implements IAspect {
  public visit(node: IConstruct): void {
    const policies = (node as unknown as { policies?: unknown }).policies;
    if (!node.node.id.startsWith('SingletonFunction') || !Array.isArray(policies)) return;
    const kept = (policies as PolicyStatementJson[]).filter((s) => !(s.Action?.length === 1 && s.Action[0] === 'lambda:Invoke'));
    policies.splice(0, policies.length, ...kept);
  }
}

export function dropNonexistentInvokeAction(integ: IntegTest): void {
  Aspects.of(integ).add(new DropNonexistentInvokeAction());
}
