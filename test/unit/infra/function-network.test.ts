import { Duration, type Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { describe, expect, it } from 'vitest';
import { SERVICES_CALLED, VPC_ACCESS_ACTIONS } from '../../../lib/parts/network.ts';
import { resourcesOfType, synthPipeline, type CfnTemplateJson } from '../../support/infra-fixtures.ts';

function vpcOf(stack: Stack): ec2.Vpc {
  return new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
}

/** The actions of every statement of the policies attached to `roleId`. */
function actionsOfRole(json: CfnTemplateJson, roleId: string): string[] {
  return resourcesOfType(json, 'AWS::IAM::Policy')
    .filter(([, policy]) =>
      (policy.Properties?.['Roles'] as { Ref: string }[] | undefined)?.some((role) => role.Ref === roleId),
    )
    .flatMap(
      ([, policy]) =>
        (policy.Properties?.['PolicyDocument'] as { Statement: { Action: string | string[] }[] }).Statement,
    )
    .flatMap((statement) => [statement.Action].flat());
}

describe('vpc, vpcSubnets and securityGroups', () => {
  it('places every function (rotation included) in the VPC with the role permissions Lambda requires', () => {
    const { json, stack, pipeline } = synthPipeline((s) => ({
      vpc: vpcOf(s),
      credentialsRotation: { schedule: Duration.days(30) },
    }));
    const functions = resourcesOfType(json, 'AWS::Lambda::Function').filter(
      ([, fn]) => (fn.Properties?.['Handler'] as string | undefined)?.startsWith('index.') === true,
    );
    expect(functions.map(([id]) => id)).toHaveLength(Object.keys(pipeline.functions).length + 1);
    const [groupId] = resourcesOfType(json, 'AWS::EC2::SecurityGroup').map(([id]) => id);
    const privateSubnets = (pipeline.vpc as ec2.Vpc).privateSubnets.map((subnet): unknown =>
      stack.resolve(subnet.subnetId),
    );
    for (const [id, fn] of functions) {
      expect(fn.Properties?.['VpcConfig'], id).toEqual({
        SecurityGroupIds: [{ 'Fn::GetAtt': [groupId, 'GroupId'] }],
        SubnetIds: privateSubnets,
      });
      // Lambda refuses to create a VPC function whose role cannot manage network interfaces.
      const roleId = (fn.Properties?.['Role'] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      expect(actionsOfRole(json, roleId), id).toEqual(expect.arrayContaining([...VPC_ACCESS_ACTIONS]));
      // ...and the function must not be created before that policy exists.
      expect(fn.DependsOn, id).toEqual(expect.arrayContaining([expect.stringMatching(/RoleDefaultPolicy/)]));
    }
  });

  it('creates one security group allowing only outbound HTTPS when none is given', () => {
    const { template } = synthPipeline((s) => ({ vpc: vpcOf(s) }));
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: [
        Match.objectLike({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
      ],
    });
  });

  it('uses the given subnets and security groups for every function', () => {
    const { json, stack } = synthPipeline((s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', {
        maxAzs: 2,
        natGateways: 1,
        subnetConfiguration: [
          { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
          { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
          { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        ],
      });
      const group = new ec2.SecurityGroup(s, 'Mine', { vpc, allowAllOutbound: true });
      return { vpc, securityGroups: [group], vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } };
    });
    expect(resourcesOfType(json, 'AWS::EC2::SecurityGroup').map(([id]) => id)).toEqual([
      expect.stringMatching(/^Mine/),
    ]);
    const isolatedSubnets = stack.node
      .findAll()
      .filter(
        (child): child is ec2.Subnet => child instanceof ec2.Subnet && child.node.id.startsWith('Isolated'),
      )
      .map((subnet): unknown => stack.resolve(subnet.subnetId));
    expect(isolatedSubnets).toHaveLength(2);
    let placed = 0;
    for (const [, fn] of resourcesOfType(json, 'AWS::Lambda::Function')) {
      const config = fn.Properties?.['VpcConfig'] as { SubnetIds: unknown[] } | undefined;
      if (config) {
        expect(config.SubnetIds).toEqual(isolatedSubnets);
        placed += 1;
      }
    }
    expect(placed).toBeGreaterThan(0);
  });

  it('notes which endpoints or NAT the subnets need', () => {
    const { stack } = synthPipeline((s) => ({ vpc: vpcOf(s) }));
    const infos = Annotations.fromStack(stack).findInfo('*', Match.stringLikeRegexp('NAT'));
    expect(infos).toHaveLength(1);
    for (const service of SERVICES_CALLED) expect(infos[0]?.entry.data as string).toContain(service);
  });

  it('runs the functions outside any VPC by default', () => {
    const { json, pipeline } = synthPipeline();
    expect(pipeline.vpc).toBeUndefined();
    for (const [, fn] of resourcesOfType(json, 'AWS::Lambda::Function')) {
      expect(fn.Properties?.['VpcConfig']).toBeUndefined();
    }
    expect(resourcesOfType(json, 'AWS::EC2::SecurityGroup')).toEqual([]);
  });
});
