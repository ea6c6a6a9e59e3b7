import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ResourceEntity } from './resource.entity';
import { ResourcesService } from './resources.service';

/** The registered APIs (audiences) and their scopes. */
@Module({
  imports: [TypeOrmModule.forFeature([ResourceEntity])],
  providers: [ResourcesService],
  exports: [ResourcesService],
})
export class ResourcesModule {}
