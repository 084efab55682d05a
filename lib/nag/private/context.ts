import { IPolicyValidationContext } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** The construct tree to validate: the context's `appConstruct` when the CDK provides it, else `fallback`. */
export function scopeFromContext(context: IPolicyValidationContext, fallback: IConstruct | undefined, plugin: string): IConstruct {
  const scope = (context as { appConstruct?: IConstruct }).appConstruct ?? fallback;
  if (!scope) {
    throw new Error(`${plugin} needs the construct tree: construct it with the app, e.g. ` +
      `Validations.of(app).addPlugins(new ${plugin}Checks(app)), or call validateScope(scope).`);
  }
  return scope;
}
