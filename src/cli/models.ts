import { Command } from 'commander';
import { table } from '../evaluate/format.ts';
import { buildModel } from '../models/build.ts';
import { resolveModel } from '../models/load.ts';
import { formatSummary, summarize } from '../models/summary.ts';
import { listZoo, zoo } from '../models/zoo/index.ts';

export function modelsCommand(): Command {
  return new Command('models').description('the model zoo with parameter counts, or one model\'s Keras-style summary')
    .argument('[model]', 'zoo name or spec file: print its layer summary')
    .option('--json', 'JSON output')
    .action((name: string | undefined, o: { json?: boolean }) => {
      if (name) {
        const spec = resolveModel(name);
        const model = buildModel(spec);
        const s = summarize(model);
        model.dispose();
        if (o.json) return void process.stdout.write(JSON.stringify({ spec, summary: s }) + '\n');
        process.stdout.write(`${spec.name}: ${spec.description ?? ''}\n${spec.source ? `source: ${spec.source}\n` : ''}\n${formatSummary(s)}\n`);
        return;
      }
      const rows = listZoo().map((e) => {
        const model = buildModel(zoo[e.name]);
        const params = model.countParams();
        model.dispose();
        return { ...e, params };
      });
      if (o.json) return void process.stdout.write(JSON.stringify(rows) + '\n');
      process.stdout.write(table(['name', 'params', 'input', 'from', 'description'],
        rows.map((r) => [r.name, r.params.toLocaleString('en-US'), r.input, r.origin, r.description.slice(0, 70)])) + '\n');
    });
}
