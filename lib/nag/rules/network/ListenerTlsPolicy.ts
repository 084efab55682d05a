import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';
import { describe, isIntrinsic } from '../../private/values';

/**
 * Policies whose minimum protocol is TLS 1.2 or 1.3: every `ELBSecurityPolicy-TLS13-1-2-*` /
 * `-TLS13-1-3-*` (incl. FIPS and post-quantum variants), `ELBSecurityPolicy-TLS-1-2-*`,
 * `ELBSecurityPolicy-FS-1-2-*`. `TLS13-1-0`, `TLS13-1-1`, `2016-08`, `TLS-1-1-*` fail.
 */
const MODERN = /^ELBSecurityPolicy-(TLS13-1-[23]-|TLS-1-2-|FS-1-2-)/;

/** TLS/HTTPS listeners use a TLS 1.2+ policy. */
export const ListenerTlsPolicy: RuleDefinition = {
  name: 'ListenerTlsPolicy',
  guarantee: 'G3',
  info: 'The TLS/HTTPS listener uses a security policy that allows TLS below 1.2 (or none is set).',
  explanation: 'Connections are TLS-encrypted with modern protocols only. Set SslPolicy to a TLS 1.2+ policy such as ' +
    'ELBSecurityPolicy-TLS13-1-2-2021-06 (elbv2.SslPolicy.RECOMMENDED_TLS) or ELBSecurityPolicy-TLS13-1-3-2021-06.',
  resourceTypes: ['AWS::ElasticLoadBalancingV2::Listener'],
  evaluate(r) {
    if (r.type !== 'AWS::ElasticLoadBalancingV2::Listener') {
      return NOT_APPLICABLE;
    }
    const protocol = r.properties.Protocol;
    if (isIntrinsic(protocol)) {
      return unverifiable('Protocol is only known at deploy time');
    }
    if (protocol !== 'TLS' && protocol !== 'HTTPS') {
      return NOT_APPLICABLE;
    }
    const policy = r.properties.SslPolicy;
    if (isIntrinsic(policy)) {
      return unverifiable(`SslPolicy is ${describe(policy)}, only known at deploy time`);
    }
    if (policy === undefined) {
      return nonCompliant('SslPolicy is not set; the service default may allow TLS 1.0');
    }
    return MODERN.test(policy) ? COMPLIANT : nonCompliant(`SslPolicy ${policy} allows TLS below 1.2`);
  },
};
