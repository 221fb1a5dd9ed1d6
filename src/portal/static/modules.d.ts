// The portal's browser files are bundled into the Worker as text (wrangler.toml [[rules]] type Text).
declare module "*.mjs" {
  const source: string;
  export default source;
}
declare module "*.css" {
  const source: string;
  export default source;
}
