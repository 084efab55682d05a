/**
 * A small model of what CloudFormation and IAM do with a synthesized template, for wiring tests:
 * intrinsic functions resolved for a concrete Region, an evaluator of resource-policy statements
 * (as an S3 gateway endpoint applies its policy), and the dependency graph CloudFormation orders
 * creation by (DependsOn, Ref, Fn::GetAtt, Fn::Sub).
 */
import { evaluatePolicy, Principal } from '../support/iam-evaluator';

export type Template = { Resources: { [logicalId: string]: Resource } };
export interface Resource {
  readonly Type: string;
  readonly Properties?: any;
  readonly DependsOn?: string | string[];
}

/** The pseudo parameters of one deployment. */
export interface Deployment {
  readonly region: string;
  readonly accountId: string;
  readonly partition?: string;
  /**
   * The stack's name, for Ref AWS::StackName and AWS::StackId.
   *
   * @default - those references throw
   */
  readonly stackName?: string;
  /**
   * The ARN a Ref or Fn::GetAtt of a resource resolves to (see `resourceArns`); without it such a
   * reference throws, since its value is only known after deployment.
   */
  readonly resourceArn?: (logicalId: string) => string;
}

/**
 * ARNs for the resources of a template, as they would be in `deployment`: generated names stand as
 * the logical ID. Types these tests do not name get an ARN of a service that does not exist.
 */
export function resourceArns(template: Template, deployment: Deployment): (logicalId: string) => string {
  const { region, accountId } = deployment;
  const partition = deployment.partition ?? 'aws';
  return (logicalId) => {
    const resource = template.Resources[logicalId];
    const p = resource?.Properties ?? {};
    const name = (property: string) => (typeof p[property] === 'string' ? p[property] : logicalId);
    switch (resource?.Type) {
      case 'AWS::SNS::Topic': return `arn:${partition}:sns:${region}:${accountId}:${name('TopicName')}`;
      case 'AWS::CloudWatch::Alarm': return `arn:${partition}:cloudwatch:${region}:${accountId}:alarm:${name('AlarmName')}`;
      case 'AWS::Events::Rule': return `arn:${partition}:events:${region}:${accountId}:rule/${name('Name')}`;
      case 'AWS::KMS::Key': return `arn:${partition}:kms:${region}:${accountId}:key/${logicalId}`;
      case 'AWS::CloudTrail::Trail': return `arn:${partition}:cloudtrail:${region}:${accountId}:trail/${name('TrailName')}`;
      case 'AWS::IAM::Role': return `arn:${partition}:iam::${accountId}:role/${name('RoleName')}`;
      // Secrets Manager appends six random characters to the name.
      case 'AWS::SecretsManager::Secret': return `arn:${partition}:secretsmanager:${region}:${accountId}:secret:${name('Name')}-AbCdEf`;
      case 'AWS::S3::Bucket': return `arn:${partition}:s3:::${name('BucketName').toLowerCase()}`;
      // Any other resource gets an ARN no pattern of another service's matches by accident.
      default: return `arn:${partition}:unmodelled:${region}:${accountId}:${logicalId}`;
    }
  };
}

/**
 * Resolves the intrinsics that appear in endpoint policies and service names: Ref to pseudo
 * parameters, Fn::Join, Fn::Split, Fn::Select. Anything else (a Ref to a resource, Fn::GetAtt) is
 * not known before deployment, so it throws rather than guess.
 */
export function resolve(value: any, deployment: Deployment): any {
  if (Array.isArray(value)) {
    return value.map((item) => resolve(item, deployment));
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
    const [fn] = keys;
    const args = value[fn];
    switch (fn) {
      case 'Ref':
        return args.startsWith('AWS::') || !deployment.resourceArn ? pseudoParameter(args, deployment) : deployment.resourceArn(args);
      case 'Fn::GetAtt':
        if (!deployment.resourceArn) {
          throw new Error(`cannot resolve Fn::GetAtt before deployment: ${JSON.stringify(value)}`);
        }
        return deployment.resourceArn(Array.isArray(args) ? args[0] : String(args).split('.')[0]);
      case 'Fn::Join': {
        const [separator, items] = args;
        const parts = resolve(items, deployment);
        if (!Array.isArray(parts) || parts.some((item) => typeof item !== 'string')) {
          throw new Error(`Fn::Join needs a list of strings; got ${JSON.stringify(parts)}`);
        }
        return parts.join(separator);
      }
      case 'Fn::Split': {
        const [delimiter, source] = args;
        const text = resolve(source, deployment);
        if (typeof text !== 'string') {
          throw new Error(`Fn::Split needs a string; got ${JSON.stringify(text)}`);
        }
        return text.split(delimiter);
      }
      case 'Fn::Sub': {
        const [text, variables] = Array.isArray(args) ? args : [args, {}];
        // ${!Name} is the literal ${Name}; ${Name} a variable, a pseudo parameter, a Ref or a GetAtt.
        return String(text).replace(/\$\{(!?)([^}]+)\}/g, (_match, literal: string, name: string) => {
          if (literal) {
            return `\${${name}}`;
          }
          if (variables[name] !== undefined) {
            return resolve(variables[name], deployment);
          }
          return resolve(name.includes('.') ? { 'Fn::GetAtt': name } : { Ref: name }, deployment);
        });
      }
      case 'Fn::Select': {
        const [index, items] = args;
        return resolve(items, deployment)[Number(resolve(index, deployment))];
      }
      default:
        throw new Error(`cannot resolve ${fn} before deployment: ${JSON.stringify(value)}`);
    }
  }
  return Object.fromEntries(keys.map((key) => [key, resolve(value[key], deployment)]));
}

function pseudoParameter(name: string, deployment: Deployment): string {
  switch (name) {
    case 'AWS::Region': return deployment.region;
    case 'AWS::AccountId': return deployment.accountId;
    case 'AWS::Partition': return deployment.partition ?? 'aws';
    case 'AWS::URLSuffix': return 'amazonaws.com';
    case 'AWS::StackName':
    case 'AWS::StackId':
      if (deployment.stackName === undefined) {
        throw new Error(`cannot resolve Ref ${name} without the deployment's stackName`);
      }
      return name === 'AWS::StackName' ? deployment.stackName
        : `arn:${deployment.partition ?? 'aws'}:cloudformation:${deployment.region}:${deployment.accountId}:stack/${deployment.stackName}/1c2fa620-982a-11e3-aff7-50e2416294e0`;
    default: throw new Error(`cannot resolve Ref ${name} before deployment`);
  }
}

/** One request as a resource policy sees it. */
export interface PolicyRequest {
  /**
   * The calling AWS service principal (e.g. 'cloudwatch.amazonaws.com').
   *
   * @default - a caller of the account in aws:PrincipalAccount, or an anonymous caller without it
   */
  readonly service?: string;
  readonly action: string;
  readonly resource: string;
  /** The request context: global condition keys such as aws:PrincipalAccount. */
  readonly context: { [key: string]: string };
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/**
 * Evaluates a (resolved) resource policy as IAM does: an explicit Deny wins, then any matching
 * Allow, else the request is implicitly denied. Anything the evaluator does not model throws, so
 * that an unsupported policy cannot pass by accident (see test/support/iam-evaluator.ts).
 */
export function evaluate(policy: { Statement: any[] | any }, request: PolicyRequest): Decision {
  const account = request.context['aws:PrincipalAccount'];
  const principal: Principal = request.service !== undefined ? { type: 'service', service: request.service }
    // Policies evaluated here name callers by account, never by name: any role of that account will do.
    : account !== undefined ? { type: 'role', arn: `arn:aws:iam::${account}:role/caller` }
      : { type: 'anonymous' };
  return evaluatePolicy(policy, { principal, action: request.action, resource: request.resource, context: request.context }).decision;
}

function list(value: any): any[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** The bucket and object key an S3 presigned URL writes to (virtual-hosted or path style). */
export function s3ObjectOfUrl(url: string): { bucket: string; key: string; arn: string } {
  const parsed = new URL(url);
  const virtualHosted = /^(.+)\.s3([.-][a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/.exec(parsed.hostname);
  let bucket: string;
  let key: string;
  if (virtualHosted && !/^s3([.-]|$)/.test(parsed.hostname)) {
    bucket = virtualHosted[1];
    key = decodeURIComponent(parsed.pathname.slice(1));
  } else {
    const [, first, ...rest] = parsed.pathname.split('/');
    bucket = first;
    key = decodeURIComponent(rest.join('/'));
  }
  const partition = parsed.hostname.endsWith('.cn') ? 'aws-cn' : 'aws';
  return { bucket, key, arn: `arn:${partition}:s3:::${bucket}/${key}` };
}

/** The logical ids a resource refers to: DependsOn, Ref, Fn::GetAtt and ${X} in Fn::Sub. */
export function directDependencies(template: Template, logicalId: string): Set<string> {
  const resource = template.Resources[logicalId];
  const found = new Set<string>(list(resource.DependsOn));
  const visit = (value: any): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries<any>(value)) {
        if (key === 'Ref' && typeof inner === 'string') {
          found.add(inner);
        } else if (key === 'Fn::GetAtt') {
          found.add(Array.isArray(inner) ? inner[0] : String(inner).split('.')[0]);
        } else if (key === 'Fn::Sub') {
          const text: string = Array.isArray(inner) ? inner[0] : inner;
          for (const match of text.matchAll(/\$\{([A-Za-z0-9]+)(\.[^}]*)?\}/g)) {
            found.add(match[1]);
          }
          if (Array.isArray(inner)) {
            visit(inner[1]);
          }
        } else {
          visit(inner);
        }
      }
    }
  };
  visit(resource.Properties);
  return new Set([...found].filter((id) => id in template.Resources));
}

/** Every resource CloudFormation must have created before `logicalId` (the transitive closure). */
export function transitiveDependencies(template: Template, logicalId: string): Set<string> {
  const seen = new Set<string>();
  const pending = [logicalId];
  while (pending.length > 0) {
    for (const next of directDependencies(template, pending.pop()!)) {
      if (!seen.has(next)) {
        seen.add(next);
        pending.push(next);
      }
    }
  }
  return seen;
}
