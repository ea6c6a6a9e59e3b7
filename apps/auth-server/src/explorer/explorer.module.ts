import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { explorerConfig } from './explorer.config';
import { ExplorerController } from './explorer.controller';

/** The flow explorer page; it answers 404 when disabled (EXPLORER_ENABLED, see explorerConfig). */
@Module({
  imports: [ConfigModule.forFeature(explorerConfig)],
  controllers: [ExplorerController],
})
export class ExplorerModule {}
