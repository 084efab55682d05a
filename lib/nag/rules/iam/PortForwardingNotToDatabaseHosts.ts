import { arnParts, patternMatches, resourceName } from '../../private/arns';
import { canBeDatabaseHost } from '../../private/database-hosts';
import { globToRegExp, grantsAction } from '../../private/iam';
import { IAM_POLICY_TYPES } from '../../private/policies';
import { attachedToNothing, HeldPolicy, holdersOf, judgeHeldVersions, PRINCIPAL_TYPES, policiesOf } from '../../private/principals';
import { RenderedResource, StackIndex } from '../../private/rendered';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable } from '../../private/rule';
import { sessionDocument } from '../../private/ssm';
import { asArray, describe } from '../../private/values';

/** AWS-owned session documents that forward ports (or carry SSH, which can forward them), or skip the logging session document. */
export const PORT_FORWARDING_DOCUMENTS = [
  'AWS-StartPortForwardingSession',
  'AWS-StartPortForwardingSessionToRemoteHost',
  'AWS-StartPortForwardingSessionToSocket',
  'AWS-StartSSHSession',
  // Not port forwarding, but a way past the logging session document: the account's default shell
  // preferences (whose logging nobody checked) and an arbitrary command instead of the logged shell.
  'SSM-SessionManagerRunShell',
  'AWS-StartInteractiveCommand',
];

const ANY_INSTANCE = 'instance/i-0123456789abcdef0';

/**
 * Document name prefixes only AWS may use (CreateDocument refuses them to accounts); any other name can be
 * a document an account made, such as SSM-SessionManagerRunShell itself.
 */
const AWS_RESERVED = /^(aws|amazon|amzn)/i;

type Reach = 'yes' | 'maybe';

/** A Session document of the stack forwards ports when its sessionType is Port. */
function documentForwardsPorts(doc: RenderedResource): Reach | undefined {
  const sessionType = sessionDocument(doc.properties.Content)?.sessionType;
  return sessionType === 'Port' ? 'yes' : typeof sessionType === 'string' ? undefined : 'maybe';
}

/** Session documents of the stack by their literal Name. */
function documentsByName(index: StackIndex): Map<string, RenderedResource> {
  return index.memo('ssm-documents-by-name', () => new Map(index.byType('AWS::SSM::Document')
    .filter((d) => typeof d.properties.Name === 'string')
    .map((d) => [d.properties.Name as string, d])));
}

interface Reached {
  reach: Reach;
  what: string;
}

/** Whether one StartSession resource can be a database host, and whether it can be a port-forwarding document. */
function classify(value: unknown, index: StackIndex): { host?: Reached; document?: Reached } {
  const named = resourceName(value, index);
  if (named.kind === 'unknown') {
    const what = `${describe(named.text)} (only known at deploy time)`;
    return { host: { reach: 'maybe', what }, document: { reach: 'maybe', what } };
  }
  if (named.kind === 'resource') {
    const t = named.target;
    if (t.type === 'AWS::EC2::Instance') {
      const db = canBeDatabaseHost(t);
      return db === 'no' ? {} : { host: { reach: db === 'yes' ? 'yes' : 'maybe', what: `instance ${t.logicalId}` } };
    }
    if (t.type === 'AWS::SSM::Document') {
      const reach = documentForwardsPorts(t);
      return reach ? { document: { reach, what: `document ${t.logicalId}` } } : {};
    }
    return {};
  }
  const pattern = named.pattern;
  const out: { host?: Reached; document?: Reached } = {};
  if (patternMatches(pattern, 'ec2', ANY_INSTANCE)) {
    out.host = { reach: 'yes', what: pattern };
  } else if (/^instance\/i-[0-9a-f]+$/.test(arnParts(pattern)?.resource ?? '') && patternMatches(pattern, 'ec2', arnParts(pattern)!.resource)) {
    out.host = { reach: 'maybe', what: `${pattern}, an instance this stack does not define` };
  }
  const forwarding = PORT_FORWARDING_DOCUMENTS.find((d) => patternMatches(pattern, 'ssm', `document/${d}`));
  if (forwarding) {
    out.document = { reach: 'yes', what: pattern === '*' ? `* (${forwarding})` : pattern };
    return out;
  }
  const parts = arnParts(pattern);
  const docName = parts && /^ssm$/i.test(parts.service) && parts.resource.startsWith('document/') ? parts.resource.slice('document/'.length) : undefined;
  if (docName !== undefined) {
    const glob = globToRegExp(docName);
    for (const [name, doc] of documentsByName(index)) {
      const reach = glob.test(name) ? documentForwardsPorts(doc) : undefined;
      if (reach && (!out.document || (out.document.reach === 'maybe' && reach === 'yes'))) {
        out.document = { reach, what: `document ${name}` };
      }
    }
    // A name, or the fixed start of a pattern, outside AWS's reserved prefixes can be a document made
    // outside this stack (or later), which may forward ports.
    const fixedStart = docName.split(/[*?]/)[0];
    const elsewhere = /[*?]/.test(docName) ? !AWS_RESERVED.test(fixedStart) : !documentsByName(index).has(docName) && !AWS_RESERVED.test(docName);
    if (!out.document && elsewhere) {
      out.document = { reach: 'maybe', what: `${pattern}, which names documents this stack does not define` };
    }
  }
  return out;
}

function judge(policies: HeldPolicy[], index: StackIndex, holder: string, outside = false): Outcome {
  let granted = false;
  let host: Reached | undefined;
  let document: Reached | undefined;
  for (const policy of policies) {
    if (policy.unresolved) {
      return unverifiable(`${policy.where} is only known at deploy time`);
    }
    for (const s of policy.statements) {
      if (!grantsAction(s, 'ssm:StartSession')) {
        continue;
      }
      granted = true;
      const resources = s.NotResource !== undefined ? ['*'] : asArray(s.Resource);
      for (const value of resources) {
        const found = classify(value, index);
        const where = (r: Reached) => ({ ...r, what: `${r.what} (${policy.where}${s.Sid ? `, statement ${s.Sid}` : ''})` });
        if (found.host && (!host || (host.reach === 'maybe' && found.host.reach === 'yes'))) {
          host = where(found.host);
        }
        if (found.document && (!document || (document.reach === 'maybe' && found.document.reach === 'yes'))) {
          document = where(found.document);
        }
      }
    }
  }
  if (host && document) {
    const detail = `${holder} may start a session on ${host.what} with ${document.what}`;
    return host.reach === 'yes' && document.reach === 'yes' ? nonCompliant(`${detail}, so it can forward ports from a database host or skip the logging session document`)
      : unverifiable(`${detail}; whether that forwards ports from a database host is only known at deploy time`);
  }
  if (outside && (host || document)) {
    const half = host ?? document!;
    return unverifiable(`${holder} may start a session on ${half.what}; whether they may also ${host ? 'use a port-forwarding document' : 'reach a database host'} ` +
      'is not known in this stack');
  }
  return granted ? COMPLIANT : NOT_APPLICABLE;
}

/** No principal can start a port-forwarding session on a database host. */
export const PortForwardingNotToDatabaseHosts: RuleDefinition = {
  name: 'PortForwardingNotToDatabaseHosts',
  guarantee: 'G7',
  info: 'A principal may start Session Manager port forwarding (or SSH, the default shell document, an interactive command) on a database host.',
  explanation: 'Port forwarding from a database host reaches localhost:5432 and the instance metadata service, past ' +
    'every pg_hba and session-logging control. IAM authorizes the instance and the document of ssm:StartSession ' +
    'separately, so all of a role\'s (user\'s, group\'s) policies are judged together: if any of them allows StartSession ' +
    'on a database host (an instance tagged timescale:role = database, or timescale:service without timescale:role = ' +
    'bastion, or instance/* with or without tag conditions) and any allows it on a port-forwarding document ' +
    '(AWS-StartPortForwardingSession*, AWS-StartSSHSession, a Port session document, document/* or *) or on a document ' +
    'that skips the logging session document (SSM-SessionManagerRunShell, AWS-StartInteractiveCommand), the pair is ' +
    'allowed. Give port forwarding to a separate role that may start sessions only on the bastion instance.',
  resourceTypes: [...IAM_POLICY_TYPES],
  evaluate(r, { index }) {
    if (PRINCIPAL_TYPES.includes(r.type)) {
      const name = `${r.type.split('::')[2].toLowerCase()} ${r.logicalId}`;
      return judgeHeldVersions(r, policiesOf(r, index), index, (held) => judge(held, index, name));
    }
    // A policy held by principals of this stack is judged with the rest of their policies, on them.
    const holders = holdersOf(r, index);
    return holders.external.length === 0 && (holders.principals.length > 0 || attachedToNothing(r, holders)) ? NOT_APPLICABLE : judge(policiesOf(r, index), index, holders.external.join(', ') || `the holder of ${r.logicalId}`, true);
  },
};
