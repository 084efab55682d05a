import { userDataTexts } from './postgres-config';
import { RenderedResource } from './rendered';
import { visitText } from './values';

/** Metadata written by the CDK and cdk-nag themselves (paths, acknowledgment reasons). */
const TOOL_METADATA = /^(aws:cdk:|aws:asset:|cdk_nag$|guard$|cfn_nag$)/;

/**
 * Every piece of text of a resource that ends up in the template: properties, metadata
 * (including AWS::CloudFormation::Init files) and decoded user data.
 */
export function visitResourceText(r: RenderedResource, visit: (text: string, where: string) => void): void {
  for (const [text, where] of resourceTexts(r)) {
    visit(text, where);
  }
}

/** Collected once per rendered resource: several rules scan the same text. */
const TEXTS = new WeakMap<RenderedResource, [string, string][]>();

function resourceTexts(r: RenderedResource): [string, string][] {
  let texts = TEXTS.get(r);
  if (!texts) {
    const out: [string, string][] = [];
    const push = (text: string, where: string) => {
      out.push([text, where]);
    };
    visitText(r.properties, 'Properties', push);
    for (const [key, value] of Object.entries(r.metadata)) {
      if (!TOOL_METADATA.test(key)) {
        visitText(value, `Metadata/${key}`, push);
      }
    }
    for (const text of userDataTexts(r)) {
      push(text, 'UserData (decoded)');
    }
    texts = out;
    TEXTS.set(r, texts);
  }
  return texts;
}
