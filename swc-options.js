// The one set of swc options that compiles the workspace's TypeScript: for the tests
// (jest.config.js, through @swc/jest) and for the services' build (scripts/build.ts).
// NestJS needs legacy decorators with their metadata; CommonJS, as NestJS 11 is.
module.exports = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
};
