import { Lazy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';

type InitBindOptions = Parameters<ec2.InitElement['_bind']>[0];
type InitElementConfig = ReturnType<ec2.InitElement['_bind']>;

/**
 * Init elements of one type (files or commands) whose list is read when the template is rendered,
 * not when the init is attached.
 *
 * `CloudFormationInit.attach` renders its elements at once, so files added to a host after
 * construction would otherwise never reach the template. The elements are still CDK's own
 * (`InitFile`, `InitCommand`), bound with the options cfn-init attached them with. It must be the
 * only element of its type in its `InitConfig`: CDK merges same-typed elements key by key, and a
 * lazy value has no keys until it is resolved.
 */
export class LazyInitElements extends ec2.InitElement {
  constructor(public readonly elementType: 'FILE' | 'COMMAND', private readonly elements: () => ec2.InitElement[]) {
    super();
  }

  public _bind(options: InitBindOptions): InitElementConfig {
    // Uncached: `attach` resolves the metadata once for its fingerprint, long before synth.
    return {
      config: Lazy.uncachedAny({
        produce: () => {
          const merged: { [key: string]: unknown } = {};
          this.elements().forEach((element, index) => {
            if (element.elementType !== this.elementType) {
              throw new Error(`LazyInitElements of type ${this.elementType} received a ${element.elementType} element.`);
            }
            Object.assign(merged, element._bind({ ...options, index }).config);
          });
          return merged;
        },
      }),
    };
  }
}
