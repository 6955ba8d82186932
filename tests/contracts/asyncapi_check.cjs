// Parse an AsyncAPI document with the official parser (@asyncapi/parser, cached by .ci/install.sh)
// and print its diagnostics, one per line: severity, code, path, message. Exit 1 if it is not valid.
//   node asyncapi_check.cjs <npm prefix with node_modules> <document>
const [npmDir, file] = process.argv.slice(2);
const { Parser, fromFile } = require(require.resolve('@asyncapi/parser', { paths: [npmDir] }));

(async () => {
  const { document, diagnostics } = await fromFile(new Parser(), file).parse();
  const severities = ['error', 'warning', 'info', 'hint'];
  for (const d of diagnostics) {
    console.log(`${severities[d.severity]}\t${d.code}\t${d.path.join('/')}\t${d.message}`);
  }
  process.exit(document ? 0 : 1);
})();
