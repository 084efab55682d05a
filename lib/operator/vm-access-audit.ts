import { Stack, Stage } from 'aws-cdk-lib';

/**
 * One grant of access to the machines found in a template: a policy statement that allows an
 * action that opens a shell or runs commands on an instance (Session Manager, Run Command,
 * Automation, EC2 Instance Connect, serial console) to someone other than the allowed roles.
 */
export interface VmAccessGrant {
  /** The logical ID of the resource that holds the policy (a policy, managed policy, role, user, group or permission set). */
  readonly policyLogicalId: string;
  /** The CloudFormation type of that resource. */
  readonly policyType: string;
  /**
   * Who receives the grant: the logical ID of a role, user or group in the template, a name or ARN
   * for one outside it, or `(unattached)` for a managed policy attached to nothing in the template.
   */
  readonly grantee: string;
  /** The actions, as written in the policy, that give access to the machines. */
  readonly actions: string[];
  /** Where in the resource the grant is, e.g. `PolicyDocument.Statement[2]` or `ManagedPolicyArns: AmazonSSMFullAccess`. */
  readonly location: string;
}

/**
 * The actions that give access to a machine, as patterns. Concrete examples of the wildcard ones
 * are tested against the policies' own wildcards (`ssm:*`, `ssm:Start*`, `*`).
 */
const VM_ACCESS_PATTERNS = [
  'ssm:StartSession',
  'ssm:SendCommand',
  'ssm:StartAutomationExecution',
  'ec2-instance-connect:*',
  'ec2:GetSerialConsole*',
  'ec2:EnableSerialConsoleAccess',
];
const VM_ACCESS_ACTIONS = [
  'ssm:StartSession',
  'ssm:SendCommand',
  'ssm:StartAutomationExecution',
  'ec2-instance-connect:SendSSHPublicKey',
  'ec2-instance-connect:SendSerialConsoleSSHPublicKey',
  'ec2-instance-connect:OpenTunnel',
  'ec2:GetSerialConsoleAccessStatus',
  'ec2:EnableSerialConsoleAccess',
];

/** AWS managed policies known to grant some of the actions above. */
const AWS_MANAGED_VM_ACCESS: { [name: string]: string[] } = {
  'AdministratorAccess': ['*'],
  'PowerUserAccess': ['*'],
  'job-function/SystemAdministrator': ['ssm:*', 'ec2-instance-connect:*'],
  'AmazonSSMFullAccess': ['ssm:*'],
  'AmazonSSMAutomationRole': ['ssm:StartAutomationExecution'],
  'AmazonSSMMaintenanceWindowRole': ['ssm:SendCommand'],
  'service-role/AmazonSSMMaintenanceWindowRole': ['ssm:SendCommand'],
  'service-role/AmazonSSMAutomationRole': ['ssm:StartAutomationExecution'],
  'AmazonEC2FullAccess': ['ec2:*'],
  'EC2InstanceConnect': ['ec2-instance-connect:SendSSHPublicKey'],
};

const PRINCIPAL_TYPES = new Set(['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group']);

function findVmAccessGrantsInTemplate(template: { [key: string]: any }, allowedRoleLogicalIds: string[]): VmAccessGrant[] {
  const resources: { [id: string]: any } = template?.Resources ?? {};
  const allowed = new Set(allowedRoleLogicalIds);
  const findings: VmAccessGrant[] = [];
  const report = (policyLogicalId: string, policyType: string, grantees: string[], actions: string[], location: string) => {
    for (const grantee of grantees) {
      if (!allowed.has(grantee)) {
        findings.push({ policyLogicalId, policyType, grantee, actions, location });
      }
    }
  };

  for (const [id, resource] of Object.entries(resources)) {
    const type: string = resource?.Type;
    const props = resource?.Properties ?? {};
    if (type === 'AWS::IAM::Policy') {
      scanDocument(props.PolicyDocument, 'PolicyDocument', (actions, location) =>
        report(id, type, attachedTo(props), actions, location));
    } else if (type === 'AWS::IAM::ManagedPolicy') {
      const grantees = [...attachedTo(props), ...attachedThroughArns(resources, id)];
      scanDocument(props.PolicyDocument, 'PolicyDocument', (actions, location) =>
        report(id, type, grantees.length > 0 ? grantees : ['(unattached)'], actions, location));
    } else if (PRINCIPAL_TYPES.has(type)) {
      toList(props.Policies).forEach((policy: any, index) =>
        scanDocument(policy?.PolicyDocument, `Policies[${index}].PolicyDocument`, (actions, location) =>
          report(id, type, [id], actions, location)));
      for (const name of awsManagedPolicyNames(props.ManagedPolicyArns)) {
        report(id, type, [id], AWS_MANAGED_VM_ACCESS[name], `ManagedPolicyArns: ${name}`);
      }
    } else if (type === 'AWS::SSO::PermissionSet') {
      scanDocument(props.InlinePolicy, 'InlinePolicy', (actions, location) =>
        report(id, type, [`permission set ${id}`], actions, location));
      for (const name of awsManagedPolicyNames(props.ManagedPolicies)) {
        report(id, type, [`permission set ${id}`], AWS_MANAGED_VM_ACCESS[name], `ManagedPolicies: ${name}`);
      }
    }
  }
  return findings;
}

/**
 * Finds every grant of access to the machines in a stack's synthesized template (see
 * `VmAccessAudit.findGrantsInTemplate`). Synthesizes the stack's app if it was not synthesized yet.
 */
function findVmAccessGrantsInStack(stack: Stack, allowedRoleLogicalIds: string[]): VmAccessGrant[] {
  const stage = Stage.of(stack);
  if (!stage) {
    throw new Error(`VmAccessAudit.findGrantsInStack: the stack '${stack.node.path}' is not in an App or Stage, so it cannot be synthesized.`);
  }
  const template = stage.synth().getStackArtifact(stack.artifactId).template;
  return findVmAccessGrantsInTemplate(template, allowedRoleLogicalIds);
}

/**
 * Finds the grants of access to the machines (Session Manager, Run Command, Instance Connect, the
 * serial console) in synthesized templates.
 */
export class VmAccessAudit {
  /** Finds the grants of access to the machines in a stack's synthesized template. */
  public static findGrantsInStack(stack: Stack, allowedRoleLogicalIds: string[]): VmAccessGrant[] {
    return findVmAccessGrantsInStack(stack, allowedRoleLogicalIds);
  }

  /**
   * Finds every grant of access to the machines in a synthesized CloudFormation template.
   *
   * Scans the identity policies of `AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy`, the inline
   * policies and AWS managed policies of roles, users and groups, and IAM Identity Center permission
   * sets, for `ssm:StartSession`, `ssm:SendCommand`, `ssm:StartAutomationExecution`,
   * `ec2-instance-connect:*` and `ec2:GetSerialConsole*` / `ec2:EnableSerialConsoleAccess`, including
   * wildcards (`ssm:*`, `ssm:Start*`, `*`) and `NotAction` statements, and returns the ones granted to
   * anything but the roles in `allowedRoleLogicalIds`. Deny statements grant nothing and are skipped.
   * Grants are reported whatever their resources and conditions: scoping one to other instances does
   * not make it a path the library meant to open.
   *
   * @param template the template, as `Template.fromStack(stack).toJSON()` or the parsed `.template.json`
   * @param allowedRoleLogicalIds the logical IDs of the roles allowed such grants (the operator roles)
   */
  public static findGrantsInTemplate(template: { [key: string]: any }, allowedRoleLogicalIds: string[]): VmAccessGrant[] {
    return findVmAccessGrantsInTemplate(template, allowedRoleLogicalIds);
  }

  private constructor() {}
}

function scanDocument(document: unknown, location: string, found: (actions: string[], location: string) => void): void {
  const parsed = typeof document === 'string' ? parseJson(document) : document;
  toList((parsed as any)?.Statement).forEach((statement: any, index) => {
    if (statement?.Effect !== 'Allow') {
      return;
    }
    const actions = grantedVmActions(statement);
    if (actions.length > 0) {
      found(actions, `${location}.Statement[${index}]`);
    }
  });
}

/** The actions of an Allow statement (as written) that give access to a machine. */
function grantedVmActions(statement: any): string[] {
  if (statement.NotAction !== undefined) {
    const excluded = toList(statement.NotAction).map(render).map(globToRegExp);
    const open = VM_ACCESS_ACTIONS.some((action) => !excluded.some((pattern) => pattern.test(action)));
    return open ? [`NotAction: ${toList(statement.NotAction).map(render).join(', ')}`] : [];
  }
  return toList(statement.Action).map(render).filter((action) => {
    const pattern = globToRegExp(action);
    return VM_ACCESS_ACTIONS.some((a) => pattern.test(a)) || VM_ACCESS_PATTERNS.some((p) => globToRegExp(p).test(action));
  });
}

/** The logical IDs (or names) of the roles, users and groups an inline or managed policy is attached to. */
function attachedTo(props: any): string[] {
  return [...toList(props.Roles), ...toList(props.Users), ...toList(props.Groups)].map(referenceName);
}

/** Roles, users and groups that attach the managed policy `id` through their ManagedPolicyArns. */
function attachedThroughArns(resources: { [id: string]: any }, id: string): string[] {
  return Object.entries(resources)
    .filter(([, r]) => PRINCIPAL_TYPES.has(r?.Type) && toList(r.Properties?.ManagedPolicyArns).some((arn: any) => arn?.Ref === id))
    .map(([principalId]) => principalId);
}

function awsManagedPolicyNames(arns: unknown): string[] {
  return toList(arns).map(render)
    .map((arn) => /:iam::aws:policy\/(.+)$/.exec(arn)?.[1])
    .filter((name): name is string => name !== undefined && AWS_MANAGED_VM_ACCESS[name] !== undefined);
}

function referenceName(value: unknown): string {
  if (value && typeof value === 'object' && typeof (value as any).Ref === 'string') {
    return (value as any).Ref;
  }
  return render(value);
}

/** A CloudFormation value as text: intrinsics become `${...}` placeholders, joins are joined. */
function render(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (value && typeof value === 'object') {
    const v = value as any;
    if (Array.isArray(v['Fn::Join']) && Array.isArray(v['Fn::Join'][1])) {
      return v['Fn::Join'][1].map(render).join(v['Fn::Join'][0]);
    }
    if (typeof v.Ref === 'string') {
      return `\${${v.Ref}}`;
    }
    if (Array.isArray(v['Fn::GetAtt'])) {
      return `\${${v['Fn::GetAtt'].join('.')}}`;
    }
    if (typeof v['Fn::Sub'] === 'string') {
      return v['Fn::Sub'];
    }
  }
  return JSON.stringify(value);
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

function toList(value: unknown): any[] {
  if (value === undefined || value === null) {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
