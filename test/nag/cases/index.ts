import { ACCESS_CASES } from './access';
import { ENCRYPTION_CASES } from './encryption';
import { NETWORK_CASES } from './network';
import { SERVER_CONFIG_CASES } from './server-config';
import { TEMPLATE_CASES } from './template';
import { RuleCase } from './types';

export const ALL_CASES: RuleCase[] = [
  ...ENCRYPTION_CASES,
  ...TEMPLATE_CASES,
  ...NETWORK_CASES,
  ...ACCESS_CASES,
  ...SERVER_CONFIG_CASES,
];
