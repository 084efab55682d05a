import { App, Aws, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Deployment, directDependencies, evaluate, resolve, s3ObjectOfUrl, Template, transitiveDependencies } from './template-model';
import { SAMPLE } from '../../bin/reference-app';
import { CertificateSource, PackageSource, ServiceKeys, ServiceNetwork, TimescaleService } from '../../lib';

/**
 * Offline checks that a service is wired the way CloudFormation and AWS need it at deploy time,
 * read from the synthesized template: the reference deployment's service (built here without the
 * rule packs, which the reference app's own tests run), and one issuing from AWS Private CA.
 */
function referenceService(): Template {
  const app = new App();
  const stack = new Stack(app, 'TimescaleReference');
  new TimescaleService(stack, 'Timescale', {
    serviceName: SAMPLE.serviceName,
    serverName: SAMPLE.serverName,
    packageSource: PackageSource.s3Bucket(s3.Bucket.fromBucketName(stack, 'PackageMirror', SAMPLE.packageBucketName), 'el9/'),
    publicZone: route53.PublicHostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: SAMPLE.hostedZoneId, zoneName: SAMPLE.zoneName }),
    customers: [SAMPLE.customer],
    operators: {
      operatorPrincipals: [iam.Role.fromRoleArn(stack, 'OnCallRole', `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/${SAMPLE.operatorRoleName}`)],
    },
  });
  return app.synth().getStackByName(stack.stackName).template;
}

function privateCaService(): Template {
  const app = new App();
  const stack = new Stack(app, 'PrivateCa');
  const keys = new ServiceKeys(stack, 'Keys');
  const network = new ServiceNetwork(stack, 'Network', {
    logsKey: keys.logsKey,
    additionalInterfaceEndpoints: [ec2.InterfaceVpcEndpointAwsService.PRIVATE_CERTIFICATE_AUTHORITY],
  });
  new TimescaleService(stack, 'Timescale', {
    serviceName: 'orders',
    serverName: 'db.example.com',
    packageSource: PackageSource.preinstalled(),
    keys,
    network,
    certificateSource: CertificateSource.privateCaArn('arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/11111111-2222-3333-4444-555555555555'),
  });
  return app.synth().getStackByName(stack.stackName).template;
}

let template: Template;
let privateCa: Template;

beforeAll(() => {
  template = referenceService();
  privateCa = privateCaService();
});

const OUR_ACCOUNT = '111122223333';
/** The account that presigns CloudFormation's response URLs: not ours, and not known in advance. */
const CLOUDFORMATION_ACCOUNT = '999988887777';
const ATTACKER_ACCOUNT = '444455556666';

const DEPLOYMENTS: Array<Deployment & { responseHost: string }> = [
  { region: 'eu-west-1', accountId: OUR_ACCOUNT, responseHost: 'cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com' },
  { region: 'us-east-1', accountId: OUR_ACCOUNT, responseHost: 'cloudformation-custom-resource-response-useast1.s3.amazonaws.com' },
  { region: 'eu-central-1', accountId: OUR_ACCOUNT, responseHost: 'cloudformation-custom-resource-response-eucentral1.s3.eu-central-1.amazonaws.com' },
];

/** The services the database host calls while it boots (cfn-init, cfn-signal, secrets, logs, Session Manager, packages). */
const HOST_BOOT_SERVICES = ['cloudformation', 'secretsmanager', 'logs', 'ssm', 'ssmmessages', 'ec2messages', 'kms', 's3'];

function resources(t: Template, type?: string): Array<[string, any]> {
  return Object.entries(t.Resources).filter(([, r]) => type === undefined || r.Type === type);
}

/** Custom resources whose service token is a Lambda function attached to a VPC. */
function inVpcLambdaCustomResources(t: Template): Array<{ id: string; functionId: string }> {
  return resources(t)
    .filter(([, r]) => r.Type === 'AWS::CloudFormation::CustomResource' || r.Type.startsWith('Custom::'))
    .map(([id, r]) => ({ id, functionId: r.Properties.ServiceToken?.['Fn::GetAtt']?.[0] }))
    .filter(({ functionId }) => {
      const fn = functionId && t.Resources[functionId];
      return fn?.Type === 'AWS::Lambda::Function' && fn.Properties.VpcConfig !== undefined;
    });
}

function subnetsOf(resource: any): string[] {
  const props = resource.Properties;
  const ids = props.VpcConfig?.SubnetIds ?? (props.SubnetId ? [props.SubnetId] : (props.NetworkInterfaces ?? []).map((n: any) => n.SubnetId));
  return ids.map((id: any) => {
    if (!id?.Ref) {
      throw new Error(`expected a subnet of this template; got ${JSON.stringify(id)}`);
    }
    return id.Ref;
  });
}

function vpcOf(t: Template, subnetIds: string[]): string {
  const vpcs = new Set(subnetIds.map((id) => t.Resources[id].Properties.VpcId.Ref));
  expect(vpcs.size).toBe(1);
  return [...vpcs][0];
}

function routeTableOf(t: Template, subnetId: string): string {
  const association = resources(t, 'AWS::EC2::SubnetRouteTableAssociation').find(([, r]) => r.Properties.SubnetId.Ref === subnetId);
  return association![1].Properties.RouteTableId.Ref;
}

/** The VPC endpoints of a VPC, by service short name ('s3', 'secretsmanager', ...). */
function endpointsOf(t: Template, vpcId: string): Map<string, string[]> {
  const byService = new Map<string, string[]>();
  for (const [id, r] of resources(t, 'AWS::EC2::VPCEndpoint')) {
    if (r.Properties.VpcId.Ref !== vpcId) {
      continue;
    }
    const serviceName: string = resolve(r.Properties.ServiceName, DEPLOYMENTS[0]);
    const service = serviceName.replace(/^com\.amazonaws\.[a-z0-9-]+\./, '');
    byService.set(service, [...(byService.get(service) ?? []), id]);
  }
  return byService;
}

/** The policy statements attached to a role, by managed or inline policies of this template. */
function statementsOfRole(t: Template, roleId: string): any[] {
  const role = t.Resources[roleId];
  const managed = (role.Properties.ManagedPolicyArns ?? []).map((arn: any) => arn.Ref).filter(Boolean);
  const policies = resources(t).filter(([id, r]) =>
    (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') &&
    ((r.Properties.Roles ?? []).some((ref: any) => ref.Ref === roleId) || managed.includes(id)));
  return [
    ...(role.Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement),
    ...policies.flatMap(([, r]) => r.Properties.PolicyDocument.Statement),
  ];
}

/**
 * The AWS services a function's own code calls, read from its role: Lambda itself manages the
 * network interfaces (ec2) and delivers the logs, and a KMS grant limited by kms:ViaService is used
 * by that service, not by the code. Custom resources also reply to CloudFormation through S3.
 */
function servicesCalledBy(t: Template, functionId: string): string[] {
  const roleId = t.Resources[functionId].Properties.Role['Fn::GetAtt'][0];
  const services = new Set<string>(['s3']);
  for (const statement of statementsOfRole(t, roleId)) {
    if (statement.Effect !== 'Allow') {
      continue;
    }
    const viaService = JSON.stringify(statement.Condition ?? {}).includes('kms:ViaService');
    for (const action of [statement.Action].flat()) {
      const service = String(action).split(':')[0];
      if (service === 'ec2' || service === 'logs' || (service === 'kms' && viaService)) {
        continue;
      }
      services.add(service);
    }
  }
  return [...services].sort();
}

function presignedResponseUrl(host: string, deployment: Deployment): string {
  const stackId = `arn:aws:cloudformation:${deployment.region}:${OUR_ACCOUNT}:stack/TimescaleReference/1c2fa620-982a-11e3-aff7-50e2416294e0`;
  const key = `${stackId}|TimescaleCertificateA10C381E|5b5d5ba2-2e0e-4a3b-9c43-7b8e2fbc0e3d`;
  return `https://${host}/${encodeURIComponent(key)}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261202T120000Z` +
    `&X-Amz-SignedHeaders=host&X-Amz-Expires=7200&X-Amz-Credential=AKIAEXAMPLE%2F20261202%2F${deployment.region}%2Fs3%2Faws4_request` +
    '&X-Amz-Signature=0123456789abcdef';
}

const templates = (): Array<[string, Template]> => [['reference service', template], ['service with a Private CA', privateCa]];

test('each service has an in-VPC Lambda-backed custom resource and an instance to check', () => {
  for (const [, t] of templates()) {
    expect(inVpcLambdaCustomResources(t).map((cr) => cr.id)).toEqual([expect.stringMatching(/^TimescaleCertificate/)]);
    expect(resources(t, 'AWS::EC2::Instance')).toHaveLength(1);
  }
});

describe.each(DEPLOYMENTS)('in $region, the S3 gateway endpoint policy', (deployment) => {
  /** The resolved policies of the S3 gateway endpoints on the route tables of the function's subnets. */
  function gatewayPoliciesFor(t: Template, functionId: string): any[] {
    const subnets = subnetsOf(t.Resources[functionId]);
    const vpc = vpcOf(t, subnets);
    const routeTables = subnets.map((subnet) => routeTableOf(t, subnet));
    const gateways = resources(t, 'AWS::EC2::VPCEndpoint')
      .filter(([, r]) => r.Properties.VpcEndpointType === 'Gateway' && r.Properties.VpcId.Ref === vpc)
      .filter(([, r]) => resolve(r.Properties.ServiceName, deployment) === `com.amazonaws.${deployment.region}.s3`)
      .filter(([, r]) => routeTables.every((rt) => r.Properties.RouteTableIds.some((ref: any) => ref.Ref === rt)));
    expect(gateways).toHaveLength(1);
    return gateways.map(([, r]) => resolve(r.Properties.PolicyDocument, deployment));
  }

  function eachGatewayPolicy(check: (policy: any) => void): void {
    for (const [, t] of templates()) {
      for (const { functionId } of inVpcLambdaCustomResources(t)) {
        gatewayPoliciesFor(t, functionId).forEach(check);
      }
    }
  }

  test('lets every in-VPC custom resource reply to CloudFormation\'s presigned URL in its real response bucket', () => {
    const reply = s3ObjectOfUrl(presignedResponseUrl(deployment.responseHost, deployment));
    // The documented name: the Region without dashes, nothing after it.
    expect(reply.bucket).toBe(`cloudformation-custom-resource-response-${deployment.region.replace(/-/g, '')}`);
    eachGatewayPolicy((policy) => {
      expect(evaluate(policy, { action: 's3:PutObject', resource: reply.arn, context: { 'aws:PrincipalAccount': CLOUDFORMATION_ACCOUNT } }))
        .toBe('Allow');
    });
  });

  test.each([
    'cloudformation-custom-resource-response-{r}-evil',
    'cloudformation-custom-resource-response-{r}x',
    'cloudformation-custom-resource-response-{dashed}x',
    'cloudformation-custom-resource-response-{dashed}',
    'cloudformation-custom-resource-response-{r}.evil',
    'evil-cloudformation-custom-resource-response-{r}',
  ])('refuses uploads to the look-alike bucket %s that anyone could create', (pattern) => {
    const bucket = pattern.replace('{r}', deployment.region.replace(/-/g, '')).replace('{dashed}', deployment.region);
    const upload = s3ObjectOfUrl(presignedResponseUrl(`${bucket}.s3.${deployment.region}.amazonaws.com`, deployment));
    expect(upload.bucket).toBe(bucket);
    eachGatewayPolicy((policy) => {
      expect(evaluate(policy, { action: 's3:PutObject', resource: upload.arn, context: { 'aws:PrincipalAccount': ATTACKER_ACCOUNT } }))
        .not.toBe('Allow');
    });
  });

  test('grants other accounts nothing on the response bucket but PutObject', () => {
    const reply = s3ObjectOfUrl(presignedResponseUrl(deployment.responseHost, deployment));
    eachGatewayPolicy((policy) => {
      for (const action of ['s3:GetObject', 's3:DeleteObject', 's3:PutObjectAcl', 's3:ListBucket']) {
        expect(evaluate(policy, { action, resource: reply.arn, context: { 'aws:PrincipalAccount': ATTACKER_ACCOUNT } })).not.toBe('Allow');
      }
    });
  });
});

describe('creation order', () => {
  test.each(['reference service', 'service with a Private CA'])(
    'in the %s, every in-VPC Lambda-backed custom resource waits for the endpoints of every service its function calls', (name) => {
      const t = templates().find(([n]) => n === name)![1];
      for (const { id, functionId } of inVpcLambdaCustomResources(t)) {
        const services = servicesCalledBy(t, functionId);
        expect(services).toEqual(expect.arrayContaining(name === 'service with a Private CA' ? ['acm-pca', 's3', 'secretsmanager'] : ['s3', 'secretsmanager']));
        const endpoints = endpointsOf(t, vpcOf(t, subnetsOf(t.Resources[functionId])));
        const before = transitiveDependencies(t, id);
        for (const service of services) {
          const ids = endpoints.get(service);
          const waits = ids !== undefined && ids.every((endpoint) => before.has(endpoint));
          expect({ customResource: id, service, endpoints: ids ?? 'none in the VPC', waits })
            .toEqual({ customResource: id, service, endpoints: expect.any(Array), waits: true });
        }
      }
    });

  test('every instance waits for the endpoints of the services it calls at boot', () => {
    for (const [, t] of templates()) {
      for (const [id, instance] of resources(t, 'AWS::EC2::Instance')) {
        const endpoints = endpointsOf(t, vpcOf(t, subnetsOf(instance)));
        const before = transitiveDependencies(t, id);
        for (const service of HOST_BOOT_SERVICES) {
          const ids = endpoints.get(service);
          const waits = ids !== undefined && ids.every((endpoint) => before.has(endpoint));
          expect({ instance: id, service, endpoints: ids ?? 'none in the VPC', waits })
            .toEqual({ instance: id, service, endpoints: expect.any(Array), waits: true });
        }
      }
    }
  });

  test('the dependency reader sees DependsOn, Ref, GetAtt and Fn::Sub', () => {
    const model: Template = {
      Resources: {
        A: { Type: 'X', DependsOn: 'B', Properties: { P: { Ref: 'C' }, Q: { 'Fn::GetAtt': ['D', 'Arn'] }, R: { 'Fn::Sub': '${E.Arn}/${AWS::Region}' } } },
        B: { Type: 'X' },
        C: { Type: 'X', Properties: { S: { Ref: 'F' } } },
        D: { Type: 'X' },
        E: { Type: 'X' },
        F: { Type: 'X' },
      },
    };
    expect([...directDependencies(model, 'A')].sort()).toEqual(['B', 'C', 'D', 'E']);
    expect([...transitiveDependencies(model, 'A')].sort()).toEqual(['B', 'C', 'D', 'E', 'F']);
  });
});

test('no function reserves concurrency, which fails in accounts with the new-account quota of 10', () => {
  for (const [, t] of templates()) {
    for (const [id, fn] of resources(t, 'AWS::Lambda::Function')) {
      expect({ id, reserved: fn.Properties.ReservedConcurrentExecutions }).toEqual({ id, reserved: undefined });
    }
  }
});

describe('the policy evaluator', () => {
  const request = { action: 's3:PutObject', resource: 'arn:aws:s3:::bucket/a/b', context: { 'aws:PrincipalAccount': OUR_ACCOUNT } };
  test('allows on a matching Allow, denies implicitly otherwise, and an explicit Deny wins', () => {
    const allow = { Effect: 'Allow', Principal: '*', Action: 's3:Put*', Resource: 'arn:aws:s3:::bucket/*' };
    expect(evaluate({ Statement: [allow] }, request)).toBe('Allow');
    expect(evaluate({ Statement: [{ ...allow, Resource: 'arn:aws:s3:::bucket' }] }, request)).toBe('ImplicitDeny');
    expect(evaluate({ Statement: [{ ...allow, Resource: 'arn:aws:s3:::bucke?/*' }] }, request)).toBe('Allow');
    expect(evaluate({ Statement: [allow, { ...allow, Effect: 'Deny', Action: '*' }] }, request)).toBe('ExplicitDeny');
  });
  test('applies conditions, and refuses what it does not model', () => {
    const allow = { Effect: 'Allow', Principal: { AWS: '*' }, Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': OUR_ACCOUNT } } };
    expect(evaluate({ Statement: [allow] }, request)).toBe('Allow');
    expect(evaluate({ Statement: [allow] }, { ...request, context: { 'aws:PrincipalAccount': ATTACKER_ACCOUNT } })).toBe('ImplicitDeny');
    expect(() => evaluate({ Statement: [{ ...allow, Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }] }, request)).toThrow(/not modelled/);
  });
  test('resolves the Region without dashes as the endpoint policy builds it', () => {
    expect(resolve({ 'Fn::Join': ['', { 'Fn::Split': ['-', { Ref: 'AWS::Region' }] }] }, { region: 'ap-southeast-2', accountId: OUR_ACCOUNT }))
      .toBe('apsoutheast2');
  });
});
