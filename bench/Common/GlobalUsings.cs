global using Jobs.Bench;
