import { ACCESS_CASES } from './access';
import { ENCRYPTION_CASES } from './encryption';
import { NETWORK_CASES } from './network';
import { PRIVILEGED_ACCESS_CASES } from './privileged-access';
import { SERVER_CONFIG_CASES } from './server-config';
import { TEMPLATE_CASES } from './template';
import { RuleCase } from './types';

export const ALL_CASES: RuleCase[] = [
  ...ENCRYPTION_CASES,
  ...TEMPLATE_CASES,
  ...NETWORK_CASES,
  ...ACCESS_CASES,
  ...SERVER_CONFIG_CASES,
  ...PRIVILEGED_ACCESS_CASES,
];
