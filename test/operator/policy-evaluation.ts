/**
 * Just enough IAM policy evaluation to check a synthesized template's wiring offline: resolves the
 * template's intrinsic functions to one concrete account and region, and evaluates Allow and Deny
 * statements (principal, action, resource, conditions) against one request. A condition key the
 * request does not carry fails the condition, as in IAM; an operator it does not know fails it too,
 * so the answer errs towards "not admitted".
 */

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const PARTITION = 'aws';

/** ARNs the template cannot know (generated names) are written with the logical ID as the name. */
export function arnOf(template: any, logicalId: string): string {
  const resource = template.Resources[logicalId];
  const p = resource?.Properties ?? {};
  switch (resource?.Type) {
    case 'AWS::SNS::Topic':
      return `arn:${PARTITION}:sns:${REGION}:${ACCOUNT}:${typeof p.TopicName === 'string' ? p.TopicName : logicalId}`;
    case 'AWS::CloudWatch::Alarm':
      return `arn:${PARTITION}:cloudwatch:${REGION}:${ACCOUNT}:alarm:${typeof p.AlarmName === 'string' ? p.AlarmName : logicalId}`;
    case 'AWS::Events::Rule':
      return `arn:${PARTITION}:events:${REGION}:${ACCOUNT}:rule/${typeof p.Name === 'string' ? p.Name : logicalId}`;
    case 'AWS::KMS::Key':
      return `arn:${PARTITION}:kms:${REGION}:${ACCOUNT}:key/${logicalId}`;
    case 'AWS::CloudTrail::Trail':
      return `arn:${PARTITION}:cloudtrail:${REGION}:${ACCOUNT}:trail/${typeof p.TrailName === 'string' ? p.TrailName : logicalId}`;
    default:
      return `unresolved:${logicalId}`;
  }
}

/** Resolves the intrinsic functions this library's templates use in policies. */
export function resolve(template: any, value: any): any {
  if (Array.isArray(value)) {
    return value.map((v) => resolve(template, v));
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [fn] = keys;
    const arg = value[fn];
    switch (fn) {
      case 'Ref':
        return ({
          'AWS::AccountId': ACCOUNT,
          'AWS::Region': REGION,
          'AWS::Partition': PARTITION,
          'AWS::URLSuffix': 'amazonaws.com',
        } as Record<string, string>)[arg] ?? arnOf(template, arg);
      case 'Fn::GetAtt':
        return arnOf(template, Array.isArray(arg) ? arg[0] : String(arg).split('.')[0]);
      case 'Fn::Join':
        return resolve(template, arg[1]).join(arg[0]);
      default:
    }
  }
  return Object.fromEntries(keys.map((k) => [k, resolve(template, value[k])]));
}

/** One request: who (a service principal), what, on which resource, with which context keys. */
export interface Request {
  readonly service: string;
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, string>;
}

const list = (v: any): any[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((part) => part.split('?').map(escape).join('.')).join('.*')}$`);
  return re.test(value);
}
const escape = (s: string) => s.replace(/[.+^${}()|[\]\\]/g, '\\$&');

function conditionHolds(operator: string, key: string, expected: any, context: Record<string, string>): boolean {
  const actual = context[key];
  const values = list(expected).map(String);
  const ifExists = operator.endsWith('IfExists');
  const op = operator.replace(/IfExists$/, '');
  if (actual === undefined) {
    return ifExists || (op === 'Null' && values.includes('true'));
  }
  switch (op) {
    case 'StringEquals':
    case 'ArnEquals':
      return values.includes(actual);
    case 'StringLike':
    case 'ArnLike':
      return values.some((v) => wildcard(v, actual));
    case 'StringNotEquals':
    case 'ArnNotEquals':
      return !values.includes(actual);
    case 'Bool':
      return values.includes(actual);
    case 'Null':
      return values.includes('false');
    default:
      return false;
  }
}

function matches(statement: any, request: Request): boolean {
  const principals = statement.Principal === '*' ? ['*'] : [...list(statement.Principal?.Service), ...list(statement.Principal?.AWS)];
  if (!principals.some((p) => p === '*' || p === request.service)) {
    return false;
  }
  if (!list(statement.Action).some((a: string) => wildcard(a.toLowerCase(), request.action.toLowerCase()))) {
    return false;
  }
  if (!list(statement.Resource).some((r: string) => wildcard(r, request.resource))) {
    return false;
  }
  return Object.entries(statement.Condition ?? {}).every(([operator, byKey]) =>
    Object.entries(byKey as Record<string, any>).every(([key, expected]) => conditionHolds(operator, key, expected, request.context)));
}

/** Whether a resource policy lets the request through: some Allow matches and no Deny does. */
export function admits(template: any, policy: any, request: Request): boolean {
  const statements = list(resolve(template, policy)?.Statement);
  const allowed = statements.some((s) => s.Effect === 'Allow' && matches(s, request));
  const denied = statements.some((s) => s.Effect === 'Deny' && matches(s, request));
  return allowed && !denied;
}
