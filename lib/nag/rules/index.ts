// The rule lists of the packs (not part of the public API: rules are reached through the packs).
import { BackupVaultCustomerManagedKey } from './backup/BackupVaultCustomerManagedKey';
import { DatabaseHostArchivesWal } from './backup/DatabaseHostArchivesWal';
import { PgBackRestRepositoryCustomerManagedKey } from './backup/PgBackRestRepositoryCustomerManagedKey';
import { PgBackRestRepositoryEncrypted } from './backup/PgBackRestRepositoryEncrypted';
import { AuditAlertRulesPresent } from './cloudtrail/AuditAlertRulesPresent';
import { CloudTrailValidatedAndEncrypted } from './cloudtrail/CloudTrailValidatedAndEncrypted';
import { AutoScalingVolumesCustomerManagedKey } from './datastores/AutoScalingVolumesCustomerManagedKey';
import { DataStoreCustomerManagedKey } from './datastores/DataStoreCustomerManagedKey';
import { DataStoreTransitEncryption } from './datastores/DataStoreTransitEncryption';
import { RdsBackupsEnabled } from './datastores/RdsBackupsEnabled';
import { RdsForcesSsl } from './datastores/RdsForcesSsl';
import { RdsNotPubliclyAccessible } from './datastores/RdsNotPubliclyAccessible';
import { BlockDeviceCustomerManagedKey } from './ec2/BlockDeviceCustomerManagedKey';
import { InstanceNoPublicIp } from './ec2/InstanceNoPublicIp';
import { VolumeCustomerManagedKey } from './ec2/VolumeCustomerManagedKey';
import { InstanceAccessOnlyForOperators } from './iam/InstanceAccessOnlyForOperators';
import { InteractiveAccessRequiresMfa } from './iam/InteractiveAccessRequiresMfa';
import { NoInstanceConnectEndpointWithDatabase } from './iam/NoInstanceConnectEndpointWithDatabase';
import { NoSshKeyPair } from './iam/NoSshKeyPair';
import { OperatorPassRoleScoped } from './iam/OperatorPassRoleScoped';
import { PortForwardingNotToDatabaseHosts } from './iam/PortForwardingNotToDatabaseHosts';
import { SnapshotSharingNotGranted } from './iam/SnapshotSharingNotGranted';
import { StartSessionRequiresLoggingDocument } from './iam/StartSessionRequiresLoggingDocument';
import { KmsCreateGrantForAwsResourceOnly } from './kms/KmsCreateGrantForAwsResourceOnly';
import { KmsKeyPolicyNoUnconditionedWildcard } from './kms/KmsKeyPolicyNoUnconditionedWildcard';
import { KmsKeyRetained } from './kms/KmsKeyRetained';
import { KmsKeyRotation } from './kms/KmsKeyRotation';
import { KmsKeyUsedOnlyByNamedPrincipals } from './kms/KmsKeyUsedOnlyByNamedPrincipals';
import { StatefulResourceRetained } from './lifecycle/StatefulResourceRetained';
import { LogGroupCustomerManagedKey } from './logs/LogGroupCustomerManagedKey';
import { DatabaseHostEgressRestricted } from './network/DatabaseHostEgressRestricted';
import { DatabaseHostNoElasticIp } from './network/DatabaseHostNoElasticIp';
import { DatabaseIngressFromAllowedNetworks } from './network/DatabaseIngressFromAllowedNetworks';
import { DatabaseSubnetNoInternetRoute } from './network/DatabaseSubnetNoInternetRoute';
import { GlobalAcceleratorNotToDatabaseHost } from './network/GlobalAcceleratorNotToDatabaseHost';
import { IngressNotFromAnywhere } from './network/IngressNotFromAnywhere';
import { ListenerTlsPolicy } from './network/ListenerTlsPolicy';
import { LoadBalancerInternal } from './network/LoadBalancerInternal';
import { NoInternetGatewayWithDatabase } from './network/NoInternetGatewayWithDatabase';
import { NoRemoteShellIngress } from './network/NoRemoteShellIngress';
import { PeeringRouteNotDefault } from './network/PeeringRouteNotDefault';
import { S3EndpointNamesBuckets } from './network/S3EndpointNamesBuckets';
import { SubnetNoPublicIp } from './network/SubnetNoPublicIp';
import { PostgresBootSqlGrantsNoSuperuser } from './postgres/PostgresBootSqlGrantsNoSuperuser';
import { PostgresBootSqlKeepsTlsSettings } from './postgres/PostgresBootSqlKeepsTlsSettings';
import { PostgresConfigIncludesInTemplate } from './postgres/PostgresConfigIncludesInTemplate';
import { PostgresConfigNotWritableByServer } from './postgres/PostgresConfigNotWritableByServer';
import { PostgresNetworkAccessPerCustomer } from './postgres/PostgresNetworkAccessPerCustomer';
import { PostgresPlaintextRejectedFirst } from './postgres/PostgresPlaintextRejectedFirst';
import { PostgresRefusesPlaintext } from './postgres/PostgresRefusesPlaintext';
import { PostgresSuperuserRejectedFromNetwork } from './postgres/PostgresSuperuserRejectedFromNetwork';
import { PostgresTlsCiphers } from './postgres/PostgresTlsCiphers';
import { PostgresTlsMinimumVersion } from './postgres/PostgresTlsMinimumVersion';
import { BackupCopyRegionAllowed } from './residency/BackupCopyRegionAllowed';
import { BucketReplicationRegionAllowed } from './residency/BucketReplicationRegionAllowed';
import { GlobalTableReplicaRegionAllowed } from './residency/GlobalTableReplicaRegionAllowed';
import { KmsKeyReplicaRegionAllowed } from './residency/KmsKeyReplicaRegionAllowed';
import { SecretReplicaRegionAllowed } from './residency/SecretReplicaRegionAllowed';
import { StackRegionAllowed } from './residency/StackRegionAllowed';
import { AuditBucketObjectLock } from './s3/AuditBucketObjectLock';
import { BucketBlocksPublicAccess } from './s3/BucketBlocksPublicAccess';
import { BucketCustomerManagedKey } from './s3/BucketCustomerManagedKey';
import { BucketDeniesInsecureTransport } from './s3/BucketDeniesInsecureTransport';
import { DatabaseCredentialsReadOnlyByHost } from './secrets/DatabaseCredentialsReadOnlyByHost';
import { DatabaseSuperuserSecretReadOnlyByHost } from './secrets/DatabaseSuperuserSecretReadOnlyByHost';
import { SecretCustomerManagedKey } from './secrets/SecretCustomerManagedKey';
import { SecretReadDeniedToOthers } from './secrets/SecretReadDeniedToOthers';
import { SecretValueGenerated } from './secrets/SecretValueGenerated';
import { TopicCustomerManagedKey } from './sns/TopicCustomerManagedKey';
import { SessionDocumentEncryptedLogging } from './ssm/SessionDocumentEncryptedLogging';
import { NoPasswordLiteral } from './template/NoPasswordLiteral';
import { NoPrivateKeyMaterial } from './template/NoPrivateKeyMaterial';
import { RuleDefinition } from '../private/rule';

/** Rules of TimescaleCloudSecurityChecks, in guarantee order. */
export const TIMESCALE_CLOUD_SECURITY_RULES: RuleDefinition[] = [
  // G1 at-rest
  VolumeCustomerManagedKey,
  BlockDeviceCustomerManagedKey,
  KmsKeyRotation,
  KmsKeyPolicyNoUnconditionedWildcard,
  KmsKeyUsedOnlyByNamedPrincipals,
  KmsKeyRetained,
  BackupVaultCustomerManagedKey,
  BucketCustomerManagedKey,
  LogGroupCustomerManagedKey,
  SecretCustomerManagedKey,
  TopicCustomerManagedKey,
  DataStoreCustomerManagedKey,
  AutoScalingVolumesCustomerManagedKey,
  DatabaseHostArchivesWal,
  PgBackRestRepositoryEncrypted,
  PgBackRestRepositoryCustomerManagedKey,
  // G2 keys-never-plaintext
  NoPrivateKeyMaterial,
  NoPasswordLiteral,
  SecretValueGenerated,
  SecretReadDeniedToOthers,
  // G3 in-transit
  PostgresRefusesPlaintext,
  PostgresTlsMinimumVersion,
  PostgresPlaintextRejectedFirst,
  PostgresConfigIncludesInTemplate,
  PostgresTlsCiphers,
  PostgresBootSqlKeepsTlsSettings,
  ListenerTlsPolicy,
  BucketDeniesInsecureTransport,
  DataStoreTransitEncryption,
  RdsForcesSsl,
  // G4 no-public-access
  BucketBlocksPublicAccess,
  LoadBalancerInternal,
  IngressNotFromAnywhere,
  DatabaseIngressFromAllowedNetworks,
  InstanceNoPublicIp,
  SubnetNoPublicIp,
  DatabaseSubnetNoInternetRoute,
  NoInternetGatewayWithDatabase,
  PeeringRouteNotDefault,
  DatabaseHostEgressRestricted,
  S3EndpointNamesBuckets,
  RdsNotPubliclyAccessible,
  DatabaseHostNoElasticIp,
  GlobalAcceleratorNotToDatabaseHost,
  // G5 automated-lifecycle
  StatefulResourceRetained,
  RdsBackupsEnabled,
  // G6 operator-audit
  CloudTrailValidatedAndEncrypted,
  SessionDocumentEncryptedLogging,
  StartSessionRequiresLoggingDocument,
  AuditBucketObjectLock,
  AuditAlertRulesPresent,
  // G7 no-customer-vm-access
  NoSshKeyPair,
  NoRemoteShellIngress,
  InteractiveAccessRequiresMfa,
  PortForwardingNotToDatabaseHosts,
  InstanceAccessOnlyForOperators,
  NoInstanceConnectEndpointWithDatabase,
  PostgresSuperuserRejectedFromNetwork,
  PostgresConfigNotWritableByServer,
  // G8 data-privacy
  PostgresNetworkAccessPerCustomer,
  PostgresBootSqlGrantsNoSuperuser,
  DatabaseSuperuserSecretReadOnlyByHost,
  KmsCreateGrantForAwsResourceOnly,
  SnapshotSharingNotGranted,
  OperatorPassRoleScoped,
  DatabaseCredentialsReadOnlyByHost,
];

/** Rules of DataResidencyChecks. */
export const DATA_RESIDENCY_RULES: RuleDefinition[] = [
  StackRegionAllowed,
  BackupCopyRegionAllowed,
  SecretReplicaRegionAllowed,
  BucketReplicationRegionAllowed,
  GlobalTableReplicaRegionAllowed,
  KmsKeyReplicaRegionAllowed,
];

export const TIMESCALE_CLOUD_SECURITY_PACK = 'TimescaleCloudSecurity';
export const DATA_RESIDENCY_PACK = 'DataResidency';
