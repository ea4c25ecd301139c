/** SVG charts (browser-safe, no dependencies). */
export * from './svg.js';
export * from './charts.js';
