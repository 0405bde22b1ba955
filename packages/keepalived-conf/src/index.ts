export { KaConfError, formatWhere, type IncludeStep, type KaConfErrorCode, type KaConfProblem } from './errors.js';
export { parseKeepalivedConf, parseKeepalivedText, defaultConfigId, splitCommand, stripComment, tokenize, type KaNode, type ParseOptions, type ParseResult } from './parser.js';
export { braceExpand, globFiles } from './glob.js';
export { translate, sourceOf, type ReportEntry, type Source, type TranslateOptions, type Translation } from './translate.js';
export { loadKeepalivedConfig, type LoadOptions, type LoadedKeepalivedConfig } from './load.js';
export { toYaml } from './yaml-out.js';
export { KEEPALIVED_KEYWORDS } from './keywords.js';
