/**
 * Where the functions run when the pipeline is given a VPC: the subnets, the security groups
 * (by default one group allowing only outbound HTTPS), and the network-interface permissions
 * Lambda checks on the execution role when it creates a VPC function (it refuses the function
 * otherwise: "The provided execution role does not have permissions to call
 * CreateNetworkInterface on EC2").
 */
import { Annotations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { SimulacraPipelineProps } from '../pipeline-props.ts';

/** The VPC placement every function gets. */
export interface FunctionNetwork {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups: readonly ec2.ISecurityGroup[];
}

/** What Lambda needs on the execution role to attach a function to a VPC (as in AWSLambdaVPCAccessExecutionRole). */
export const VPC_ACCESS_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

/** The AWS services the functions call; in subnets without NAT each needs an interface or gateway endpoint. */
export const SERVICES_CALLED = [
  's3 (gateway endpoint)',
  'dynamodb (gateway endpoint)',
  'kms',
  'secretsmanager',
  'states',
  'events',
  'glue',
  'xray',
] as const;

/** The functions' placement, or undefined when `props.vpc` is not set. */
export function functionNetwork(
  scope: Construct,
  props: SimulacraPipelineProps,
): FunctionNetwork | undefined {
  const vpc = props.vpc;
  if (vpc === undefined) return undefined;
  const securityGroups = props.securityGroups ?? [defaultSecurityGroup(scope, vpc)];
  Annotations.of(scope).addInfo(
    `SimulacraPipeline functions run in ${vpc.node.path}: their subnets need NAT to reach the Simulacra API, and NAT or VPC endpoints for ${SERVICES_CALLED.join(', ')}.`,
  );
  return {
    vpc,
    ...(props.vpcSubnets !== undefined ? { vpcSubnets: props.vpcSubnets } : {}),
    securityGroups,
  };
}

function defaultSecurityGroup(scope: Construct, vpc: ec2.IVpc): ec2.ISecurityGroup {
  const group = new ec2.SecurityGroup(scope, 'FunctionsSecurityGroup', {
    vpc,
    description: 'Simulacra pipeline functions: outbound HTTPS only',
    allowAllOutbound: false,
  });
  group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to the Simulacra API and AWS APIs');
  return group;
}

/** Gives `role` the network-interface permissions Lambda requires of a VPC function's role. */
export function grantVpcAccess(role: iam.IRole): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...VPC_ACCESS_ACTIONS], resources: ['*'] }));
}
