import * as fs from 'fs';
import * as path from 'path';
import {
  attachCustomSynthesis, CfnResource, IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport,
  Stack, Stage, Validations,
} from 'aws-cdk-lib';
import { NagPack } from 'cdk-nag';
import { Construct, IConstruct } from 'constructs';
import { IEvidenceSource } from '../nag/evidence';
import { buildModel, EvidenceModel, ForeignFinding } from './private/model';
import { renderJson, renderMarkdown, renderSarif } from './private/render';

/** Options of {@link EvidenceReport}. */
export interface EvidenceReportProps {
  /**
   * The cdk-nag packs to run and report on. Packs of this library (`TimescaleCloudSecurityChecks`,
   * `DataResidencyChecks`) contribute positive evidence (every rule on every resource); other
   * packs (AwsSolutionsChecks, ...) contribute their open findings.
   */
  readonly packs: NagPack[];

  /**
   * Also register the packs as validation plugins of the stage, so their findings fail the synth.
   * The plugins reuse the results computed for the report instead of validating twice.
   * @default true
   */
  readonly registerPlugins?: boolean;

  /**
   * Base name of the files written into the cloud assembly directory.
   * @default 'evidence-report' (evidence-report.json, evidence-report.md, evidence-report.sarif)
   */
  readonly fileName?: string;
}

/**
 * The evidence report: for every stack and guarantee, which rules ran on which resources, how
 * many complied, which did not or could not be verified, and every acknowledgment with its reason.
 * Written at synth as JSON, Markdown and SARIF 2.1.0 into the cloud assembly (next to the templates).
 *
 * The CDK forbids validation plugins to modify the cloud assembly (it fingerprints the directory
 * around each plugin), so the report runs the packs itself while the assembly is being written
 * and hands the results to the validation plugins it registers.
 */
export class EvidenceReport extends Construct {
  /**
   * Attaches a report to `stage` (usually the app): `EvidenceReport.attach(app, { packs })`.
   */
  public static attach(stage: Stage, props: EvidenceReportProps): EvidenceReport {
    return new EvidenceReport(stage, 'EvidenceReport', props);
  }

  /** Paths of the files written by the last synth. */
  public readonly writtenFiles: string[] = [];
  private readonly packs: NagPack[];
  private readonly fileName: string;
  private readonly cached = new Map<NagPack, PolicyValidationPluginReport>();

  constructor(scope: Construct, id: string, props: EvidenceReportProps) {
    super(scope, id);
    if (!props.packs || props.packs.length === 0) {
      throw new Error('EvidenceReportProps.packs must name at least one pack; got none. Pass e.g. [new TimescaleCloudSecurityChecks(app)].');
    }
    this.packs = [...props.packs];
    this.fileName = props.fileName ?? 'evidence-report';
    if (!/^[\w.-]+$/.test(this.fileName)) {
      throw new Error(`EvidenceReportProps.fileName must be a plain file name; got '${this.fileName}'. Use letters, digits, '.', '_' or '-'.`);
    }
    if (props.registerPlugins ?? true) {
      Validations.of(this).addPlugins(...this.packs.map((pack) => this.pluginFor(pack)));
    }
    attachCustomSynthesis(this, {
      onSynthesize: (session) => {
        this.writeTo(session.outdir);
      },
    });
  }

  /** The root the report covers: the enclosing stage. */
  private get root(): IConstruct {
    return Stage.of(this) ?? this.node.root;
  }

  /** Runs the packs and builds the report model. */
  public collect(): any {
    return renderJson(this.model());
  }

  /** Runs the packs and writes the report files into `outdir`; returns their paths. */
  public writeTo(outdir: string): string[] {
    const model = this.model();
    fs.mkdirSync(outdir, { recursive: true });
    const templates = new Map<string, string[]>();
    const locate = (templateFile: string, logicalId?: string) => {
      const file = path.join(outdir, templateFile);
      if (!templates.has(file)) {
        templates.set(file, fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : []);
      }
      const lines = templates.get(file)!;
      const index = logicalId ? lines.findIndex((l) => l.startsWith(`  "${logicalId}": {`) || l.includes(`"${logicalId}": {`)) : -1;
      return { uri: path.relative(process.cwd(), file).split(path.sep).join('/'), line: index >= 0 ? index + 1 : undefined };
    };
    const files = {
      json: path.join(outdir, `${this.fileName}.json`),
      md: path.join(outdir, `${this.fileName}.md`),
      sarif: path.join(outdir, `${this.fileName}.sarif`),
    };
    fs.writeFileSync(files.json, JSON.stringify(renderJson(model), undefined, 2));
    fs.writeFileSync(files.md, renderMarkdown(model));
    fs.writeFileSync(files.sarif, JSON.stringify(renderSarif(model, locate), undefined, 2));
    this.writtenFiles.splice(0, this.writtenFiles.length, files.json, files.md, files.sarif);
    return [...this.writtenFiles];
  }

  private model(): EvidenceModel {
    const root = this.root;
    const sources: IEvidenceSource[] = [];
    const foreign: { pack: string; success: boolean; findings: ForeignFinding[] }[] = [];
    for (const pack of this.packs) {
      const result = pack.validateScope(root);
      this.cached.set(pack, result);
      if (isEvidenceSource(pack)) {
        sources.push(pack);
      } else {
        foreign.push({
          pack: pack.name,
          success: result.success,
          findings: result.violations.flatMap((v) => v.violatingResources.map((r) => ({
            pack: pack.name,
            ruleId: v.ruleName,
            description: v.description,
            severity: v.severity ?? 'error',
            constructPath: r.constructPath ?? '',
            ...locateConstruct(root, r.constructPath),
          }))),
        });
      }
    }
    return buildModel(root, sources, foreign);
  }

  private pluginFor(pack: NagPack): IPolicyValidationPlugin {
    return {
      name: pack.name,
      version: pack.version,
      ruleIds: pack.ruleIds,
      validate: (_context: IPolicyValidationContext) => {
        const cached = this.cached.get(pack);
        this.cached.delete(pack);
        return cached ?? pack.validateScope(this.root);
      },
    };
  }
}

function isEvidenceSource(pack: unknown): pack is IEvidenceSource {
  return typeof (pack as IEvidenceSource).evidencePackName === 'string' && Array.isArray((pack as IEvidenceSource).evaluations);
}

/** Template file and logical id of the resource at `constructPath`, when it is one. */
function locateConstruct(root: IConstruct, constructPath?: string): { templateFile?: string; logicalId?: string } {
  if (!constructPath) {
    return {};
  }
  const relative = root.node.path ? constructPath.slice(root.node.path.length + 1) : constructPath;
  const construct = relative.split('/').reduce<IConstruct | undefined>((c, id) => c?.node.tryFindChild(id), root);
  if (!construct || !CfnResource.isCfnResource(construct)) {
    return {};
  }
  const stack = Stack.of(construct);
  return { templateFile: stack.templateFile, logicalId: stack.resolve(construct.logicalId) };
}
