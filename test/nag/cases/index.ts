import { ACCESS_CASES } from './access';
import { AUDIT_CASES } from './audit';
import { BACKUP_CASES } from './backups';
import { DATASTORE_CASES } from './datastores';
import { EGRESS_CASES } from './egress';
import { ENCRYPTION_CASES } from './encryption';
import { NAMED_PRINCIPAL_CASES } from './named-principals';
import { NETWORK_CASES } from './network';
import { POSTGRES_CONFIG_CASES } from './postgres-config';
import { PRIVILEGED_ACCESS_CASES } from './privileged-access';
import { SERVER_CONFIG_CASES } from './server-config';
import { TEMPLATE_CASES } from './template';
import { RuleCase } from './types';
import { VM_ACCESS_CASES } from './vm-access';

export const ALL_CASES: RuleCase[] = [
  ...ENCRYPTION_CASES,
  ...TEMPLATE_CASES,
  ...NETWORK_CASES,
  ...ACCESS_CASES,
  ...SERVER_CONFIG_CASES,
  ...POSTGRES_CONFIG_CASES,
  ...PRIVILEGED_ACCESS_CASES,
  ...NAMED_PRINCIPAL_CASES,
  ...EGRESS_CASES,
  ...AUDIT_CASES,
  ...VM_ACCESS_CASES,
  ...DATASTORE_CASES,
  ...BACKUP_CASES,
];
