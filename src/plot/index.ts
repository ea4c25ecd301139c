/** SVG charts (browser-safe, no dependencies). */
export * from './svg.js';
export * from './charts.js';
export * from './eval-charts.js';
export * from './eval-report.js';
