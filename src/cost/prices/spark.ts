import type { ModelPrice } from '../price-schema.js';

/**
 * iFlytek Spark (讯飞星火). Lite is free to use, as iFlytek's HTTP API page says. Pro, Pro-128K, Max, Max-32K and
 * 4.0 Ultra are sold as token packages bought in iFlytek's console; no list price per token, nor a pay-as-you-go
 * rate, was found, so they are unpriced until the config file prices them (at what the operator's package cost).
 */
export const SPARK_PRICES: Readonly<Record<string, ModelPrice>> = {
  lite: {
    currency: 'CNY',
    input: 0,
    output: 0,
    source: 'https://www.xfyun.cn/doc/spark/HTTP%E8%B0%83%E7%94%A8%E6%96%87%E6%A1%A3.html',
    as_of: '2026-12-05',
  },
};
